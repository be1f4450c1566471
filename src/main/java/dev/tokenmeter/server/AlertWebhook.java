package dev.tokenmeter.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.budget.PauseSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Alertmanager webhook (payload version 4, DESIGN section 6). An alert pauses only when it
 * fires with {@code tokenmeter_action="pause"}; its target is its {@code run} label, else its
 * {@code session} label, else every run when {@code tokenmeter_scope="all"}. Other alerts are
 * recorded as notifications. A resolved alert never resumes.
 *
 * <p>Alertmanager re-sends firing alerts every {@code repeat_interval}, and a person may resume
 * a run in between: an alert (fingerprint and {@code startsAt}) pauses at most once, so a re-send
 * does not undo the person's resume. That memory is bounded.
 *
 * <p>The whole payload is validated before anything changes: a malformed one is refused (400)
 * and changes nothing.
 */
final class AlertWebhook {

  private static final Logger log = LoggerFactory.getLogger(AlertWebhook.class);

  static final String ACTION_LABEL = "tokenmeter_action";
  static final String SCOPE_LABEL = "tokenmeter_scope";

  private final TokenMeter meter;
  private final Consumer<ObjectNode> notifications;
  private final Map<String, Boolean> handled;

  AlertWebhook(TokenMeter meter, int memory, Consumer<ObjectNode> notifications) {
    this.meter = meter;
    this.notifications = notifications;
    this.handled =
        new LinkedHashMap<>(256, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > memory;
          }
        };
  }

  /** One alert of the payload, checked. */
  private static final class Alert {
    final boolean firing;
    final Map<String, String> labels;
    final String summary;
    final String key;

    Alert(boolean firing, Map<String, String> labels, String summary, String key) {
      this.firing = firing;
      this.labels = labels;
      this.summary = summary;
      this.key = key;
    }

    String name() {
      return labels.getOrDefault("alertname", "unnamed alert");
    }

    boolean pauses() {
      return firing && "pause".equals(labels.get(ACTION_LABEL));
    }
  }

  /**
   * Handles one webhook call.
   *
   * @throws HttpError 400 for a malformed payload; nothing changed then
   */
  ObjectNode handle(String body) {
    List<Alert> alerts;
    int truncated;
    try {
      JsonNode root = Json.readTree(body);
      alerts = parse(root);
      truncated = root.path("truncatedAlerts").asInt(0);
    } catch (HttpError e) {
      meter.countWebhook(false);
      throw e;
    } catch (JsonProcessingException e) {
      meter.countWebhook(false);
      throw HttpError.of(400, "not an Alertmanager webhook payload: malformed JSON: " + Json.describe(e));
    }
    meter.countWebhook(true);
    if (truncated > 0) {
      log.warn("Alertmanager left {} alerts out of a webhook call (max_alerts); they are not seen here", truncated);
    }
    int paused = 0;
    int alreadyPaused = 0;
    int duplicates = 0;
    int unseenRuns = 0;
    int notified = 0;
    int untargeted = 0;
    for (Alert a : alerts) {
      if (!a.pauses()) {
        notified++;
        notify(a);
        continue;
      }
      if (!claim(a.key)) {
        duplicates++;
        continue;
      }
      // The pause itself runs outside the lock: it may write and sync the state file, and other
      // webhook calls (other runs, notifications, re-sends) need not wait for that disk.
      boolean done = false;
      try {
        String reason = "alert " + a.name() + (a.summary == null ? "" : ": " + a.summary);
        String by = "alertmanager";
        String run = a.labels.get("run");
        String session = a.labels.get("session");
        if (run != null && !run.isEmpty()) {
          boolean seen = meter.status(run).isPresent();
          if (meter.pause(run, PauseSource.ALERT, reason, by)) {
            paused++;
            if (!seen) {
              unseenRuns++;
              log.info("alert {} paused run {}, not seen here yet: it starts paused", a.name(), run);
            }
          } else {
            alreadyPaused++;
          }
        } else if (session != null && !session.isEmpty()) {
          int n = meter.pauseSession(session, PauseSource.ALERT, reason, by);
          paused += n;
          log.info("alert {} paused session {}: {} run(s) here now, and every run that joins it", a.name(), session, n);
        } else if ("all".equals(a.labels.get(SCOPE_LABEL))) {
          paused += meter.pauseAll(PauseSource.ALERT, reason, by);
        } else {
          untargeted++;
          log.warn("alert {} asks to pause but names no run, no session and not {}=\"all\"; ignored", a.name(), SCOPE_LABEL);
          notify(a);
        }
        done = true;
      } finally {
        if (!done) {
          release(a.key); // it did not take effect: a re-send may try again
        }
      }
    }
    ObjectNode out = Json.object();
    out.put("alerts", alerts.size());
    out.put("paused", paused);
    out.put("alreadyPaused", alreadyPaused);
    out.put("duplicates", duplicates);
    out.put("unseenRuns", unseenRuns);
    out.put("notifications", notified);
    out.put("untargeted", untargeted);
    out.put("truncatedAlerts", truncated);
    return out;
  }

  /**
   * Marks an alert handled; false when it was already. Taken before the pause, so that a re-send
   * arriving while the pause is still being written counts as a duplicate, as it would after.
   */
  private boolean claim(String key) {
    synchronized (handled) {
      return handled.putIfAbsent(key, Boolean.TRUE) == null;
    }
  }

  private void release(String key) {
    synchronized (handled) {
      handled.remove(key);
    }
  }

  private void notify(Alert a) {
    ObjectNode n = Json.object();
    n.put("alertname", a.name());
    n.put("status", a.firing ? "firing" : "resolved");
    n.put("summary", a.summary);
    ObjectNode labels = n.putObject("labels");
    a.labels.forEach(labels::put);
    notifications.accept(n);
  }

  private static List<Alert> parse(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw bad("the body must be a JSON object");
    }
    JsonNode version = root.get("version");
    if (version == null || !"4".equals(version.asText())) {
      throw bad("version must be \"4\", got " + (version == null ? "nothing" : version.toString()));
    }
    JsonNode list = root.get("alerts");
    if (list == null || !list.isArray()) {
      throw bad("alerts must be a list, got " + (list == null ? "nothing" : list.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
    }
    List<Alert> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      JsonNode a = list.get(i);
      String at = "alerts[" + i + "]";
      if (!a.isObject()) {
        throw bad(at + " must be an object");
      }
      JsonNode labelsNode = a.get("labels");
      if (labelsNode == null || !labelsNode.isObject()) {
        throw bad(at + ".labels must be an object of strings");
      }
      Map<String, String> labels = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> l : labelsNode.properties()) {
        if (!l.getValue().isTextual()) {
          throw bad(at + ".labels." + l.getKey() + " must be a string");
        }
        labels.put(l.getKey(), l.getValue().textValue());
      }
      for (String target : List.of("run", "session")) {
        String id = labels.get(target);
        if (id != null && !id.isEmpty() && RunIds.problem(id) != null) {
          throw bad(at + ".labels." + target + " is not a valid id: " + RunIds.problem(id));
        }
      }
      String status = a.path("status").asText("");
      if (!status.equals("firing") && !status.equals("resolved")) {
        throw bad(at + ".status must be \"firing\" or \"resolved\", got " + a.path("status"));
      }
      String fingerprint = a.path("fingerprint").asText("");
      if (fingerprint.isEmpty()) {
        // Alertmanager always sends one; without it, the label set identifies the alert.
        fingerprint = new java.util.TreeMap<>(labels).toString();
      }
      String summary = a.path("annotations").path("summary").textValue();
      out.add(new Alert(status.equals("firing"), Map.copyOf(labels), summary, fingerprint + "@" + a.path("startsAt").asText("")));
    }
    return out;
  }

  private static HttpError bad(String message) {
    return HttpError.of(400, "not an Alertmanager webhook payload (version 4): " + message);
  }
}
