package dev.tokenmeter.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.RunStatus;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.budget.Breakpoint;
import dev.tokenmeter.budget.PauseSource;
import dev.tokenmeter.budget.ResumeRefusedException;
import dev.tokenmeter.budget.ResumeRequest;
import dev.tokenmeter.usage.UsageEvent;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.URIUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints of DESIGN section 6, on Jetty's core handler API. Requests are handled on the
 * server's bounded thread pool and may block (reading a bounded body, streaming events).
 */
final class ApiHandler extends Handler.Abstract {

  private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);
  private static final String JSON = "application/json";
  /** Request attribute: the body was read to its end. */
  private static final String BODY_READ = "tokenmeter.bodyRead";

  private final TokenMeter meter;
  private final BearerToken token;
  private final int maxBodyBytes;
  private final PrometheusRegistry registry;
  private final ExpositionFormats formats = ExpositionFormats.init();
  private final AlertWebhook alerts;
  private final EventLog events;
  private final BurnRate burnRate;
  private final Semaphore streams;
  private final long heartbeatMillis;
  private final BodyLimits bodyLimits;

  ApiHandler(
      TokenMeter meter, BearerToken token, int maxBodyBytes, PrometheusRegistry registry,
      AlertWebhook alerts, EventLog events, BurnRate burnRate, int maxStreams, long heartbeatMillis,
      BodyLimits bodyLimits) {
    this.meter = meter;
    this.token = token;
    this.maxBodyBytes = maxBodyBytes;
    this.registry = registry;
    this.alerts = alerts;
    this.events = events;
    this.burnRate = burnRate;
    this.streams = new Semaphore(maxStreams);
    this.heartbeatMillis = heartbeatMillis;
    this.bodyLimits = bodyLimits;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    try {
      route(request, response, callback);
    } catch (HttpError e) {
      if (e.status == 401) {
        response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"tokenmeter\"");
      }
      if (request.getLength() != 0 && request.getAttribute(BODY_READ) == null) {
        // Refused before its body was read (401, 405, 413, ...): Jetty then closes the connection
        // unless the rest of the body had already arrived. Say so, or a client that pools the
        // connection sends its next request into a closed socket.
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
      }
      send(response, callback, e.status, e.body);
    } catch (RuntimeException | IOException e) {
      log.warn("{} {} failed", request.getMethod(), request.getHttpURI().getPath(), e);
      if (!response.isCommitted()) {
        send(response, callback, 500, error("internal error: " + e));
      } else {
        callback.failed(e);
      }
    }
    return true;
  }

  private void route(Request req, Response resp, Callback cb) throws IOException {
    String method = req.getMethod();
    List<String> p = segments(req.getHttpURI().getPath());
    if (p.size() == 1 && p.get(0).equals("healthz")) {
      allow(method, "GET");
      // Liveness: 200 while serving. "degraded" names what needs a person, e.g. a state directory
      // that stopped taking writes (pauses still hold in memory, but would not survive a restart).
      java.util.List<String> problems = new java.util.ArrayList<>();
      if (!meter.stateWritable()) {
        problems.add("the state directory does not take writes (" + meter.stats().stateWriteErrors()
            + " failed); pauses hold in memory but would not survive a restart");
      }
      ObjectNode o = Json.object();
      o.put("status", problems.isEmpty() ? "ok" : "degraded");
      problems.forEach(o.putArray("problems")::add);
      send(resp, cb, 200, o);
      return;
    }
    if (p.size() == 1 && p.get(0).equals("metrics")) {
      allow(method, "GET");
      metrics(req, resp, cb);
      return;
    }
    if (p.size() < 3 || !p.get(0).equals("api") || !p.get(1).equals("v1")) {
      throw HttpError.of(404, "no such endpoint: " + req.getHttpURI().getPath());
    }
    String what = p.get(2);
    if (p.size() == 3 && what.equals("usage")) {
      allow(method, "POST");
      usage(req, resp, cb);
    } else if (p.size() == 3 && what.equals("alerts")) {
      allow(method, "POST");
      authorize(req);
      send(resp, cb, 200, alerts.handle(body(req)));
    } else if (p.size() == 3 && what.equals("events")) {
      allow(method, "GET");
      stream(req, resp, cb);
    } else if (p.size() == 3 && what.equals("runs")) {
      allow(method, "GET");
      ObjectNode o = Json.object();
      ArrayNode runs = o.putArray("runs");
      for (RunStatus s : meter.runs()) {
        runs.add(RunJson.of(s, burnRate.usdPerMinute(s.run())));
      }
      send(resp, cb, 200, o);
    } else if (p.size() == 4 && what.equals("runs")) {
      allow(method, "GET");
      send(resp, cb, 200, runJson(RunIds.require(p.get(3), "run id")));
    } else if (p.size() == 5 && what.equals("runs")) {
      run(method, RunIds.require(p.get(3), "run id"), p.get(4), req, resp, cb);
    } else {
      throw HttpError.of(404, "no such endpoint: " + req.getHttpURI().getPath());
    }
  }

  private void run(String method, String run, String action, Request req, Response resp, Callback cb)
      throws IOException {
    switch (action) {
      case "gate":
        allow(method, "GET");
        gate(run, resp, cb);
        return;
      case "pause":
        {
          allow(method, "POST");
          authorize(req);
          JsonNode b = object(body(req), Set.of("reason", "by"));
          boolean changed = meter.pause(run, PauseSource.MANUAL, text(b, "reason"), text(b, "by"));
          send(resp, cb, 200, changed(changed, run));
          return;
        }
      case "resume":
        {
          allow(method, "POST");
          authorize(req);
          JsonNode b = object(body(req), Set.of("raiseUsd", "budgetUsd", "override", "by", "reason"));
          JsonNode override = b.path("override");
          if (!override.isMissingNode() && !override.isNull() && !override.isBoolean()) {
            throw HttpError.of(400, "override must be true or false, got " + override);
          }
          ResumeRequest r;
          try {
            r = ResumeRequest.builder()
                .raiseUsd(Money.parse(b, "raiseUsd"))
                .budgetUsd(Money.parse(b, "budgetUsd"))
                .override(override.asBoolean(false))
                .by(text(b, "by"))
                .reason(text(b, "reason"))
                .build();
          } catch (IllegalArgumentException e) {
            throw HttpError.of(400, e.getMessage());
          }
          if (meter.status(run).isEmpty()) {
            throw HttpError.of(404, "run " + run + " is not held by this instance");
          }
          try {
            meter.resume(run, r);
          } catch (ResumeRefusedException | IllegalStateException e) {
            throw HttpError.of(409, e.getMessage());
          }
          send(resp, cb, 200, changed(true, run));
          return;
        }
      case "budget":
        {
          allow(method, "PUT");
          authorize(req);
          JsonNode b = object(body(req), Set.of("budgetUsd", "by"));
          if (!b.has("budgetUsd")) {
            throw HttpError.of(400, "budgetUsd is required: a decimal USD amount like \"5.00\", or null for the default");
          }
          BigDecimal usd = Money.parse(b, "budgetUsd");
          meter.setRunBudget(run, usd, text(b, "by"));
          send(resp, cb, 200, changed(true, run));
          return;
        }
      default:
        throw HttpError.of(404, "no such endpoint: /api/v1/runs/" + run + "/" + action);
    }
  }

  // ---------------------------------------------------------------- endpoints

  private void metrics(Request req, Response resp, Callback cb) throws IOException {
    ExpositionFormatWriter w = formats.findWriter(req.getHeaders().get(HttpHeader.ACCEPT));
    if (!w.isAvailable()) {
      // The protobuf format needs a library tokenmeter does not ship: answer in text.
      w = formats.getPrometheusTextFormatWriter();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    w.write(out, registry.scrape());
    send(resp, cb, 200, w.getContentType(), out.toByteArray());
  }

  private void usage(Request req, Response resp, Callback cb) throws IOException {
    authorize(req);
    String body = body(req);
    List<UsageEvent> parsed;
    try {
      parsed = UsageParser.parse(body, UsageParser.isNdjson(req.getHeaders().get(HttpHeader.CONTENT_TYPE)));
    } catch (HttpError e) {
      meter.countRejected();
      throw e;
    }
    int counted = 0;
    int duplicates = 0;
    int failed = 0;
    for (UsageEvent e : parsed) {
      if (meter.record(e)) {
        counted++;
      } else if (e.idempotencyKey() != null && meter.seen(e.idempotencyKey())) {
        duplicates++;
      } else {
        failed++;
      }
    }
    ObjectNode o = Json.object();
    o.put("counted", counted);
    o.put("duplicates", duplicates);
    if (failed > 0) {
      o.put("failed", failed);
    }
    send(resp, cb, 200, o);
  }

  private void gate(String run, Response resp, Callback cb) {
    Breakpoint bp = meter.gate(run).breakpoint();
    ObjectNode o = Json.object();
    o.put("run", run);
    if (bp == null) {
      o.put("state", "open");
      send(resp, cb, 200, o);
      return;
    }
    o.put("state", "paused");
    o.put("reason", bp.reason());
    o.put("source", bp.source().label());
    o.put("since", Json.instant(bp.since()));
    o.put("by", bp.by());
    send(resp, cb, 423, o);
  }

  private ObjectNode runJson(String run) {
    RunStatus s = meter.status(run).orElseThrow(() -> HttpError.of(404, "run " + run + " is not held by this instance"));
    return RunJson.of(s, burnRate.usdPerMinute(run));
  }

  private ObjectNode changed(boolean changed, String run) {
    ObjectNode o = Json.object();
    o.put("changed", changed);
    o.set("status", runJson(run));
    return o;
  }

  /** Server-sent events from the ring; the thread blocks on this client only. */
  private void stream(Request req, Response resp, Callback cb) {
    if (!streams.tryAcquire()) {
      throw HttpError.of(503, "too many event streams are open");
    }
    try {
      long cursor = lastEventId(req);
      if (cursor > events.lastId()) {
        // An id from before a restart (ids start again at 1): everything held is new to it.
        cursor = 0;
      }
      resp.setStatus(200);
      resp.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream;charset=utf-8");
      resp.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
      write(resp, "retry: 2000\n: tokenmeter events\n\n");
      while (true) {
        List<EventLog.Entry> batch = events.after(cursor);
        if (!batch.isEmpty()) {
          StringBuilder sb = new StringBuilder();
          for (EventLog.Entry e : batch) {
            sb.append("id: ").append(e.id).append("\nevent: ").append(e.type).append("\ndata: ").append(e.data()).append("\n\n");
            cursor = e.id;
          }
          write(resp, sb.toString());
          continue;
        }
        if (!events.await(cursor, heartbeatMillis)) {
          break;
        }
        if (events.lastId() <= cursor) {
          write(resp, ": heartbeat\n\n");
        }
      }
      Content.Sink.write(resp, true, ByteBuffer.allocate(0));
      cb.succeeded();
    } catch (IOException e) {
      cb.failed(e); // the client went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cb.failed(e);
    } finally {
      streams.release();
    }
  }

  private long lastEventId(Request req) {
    String id = req.getHeaders().get("Last-Event-ID");
    if (id == null) {
      id = Request.extractQueryParameters(req).getValue("lastEventId");
    }
    if (id == null || id.isBlank()) {
      return events.lastId();
    }
    try {
      return Math.max(0, Long.parseLong(id.strip()));
    } catch (NumberFormatException e) {
      throw HttpError.of(400, "Last-Event-ID must be an event id (an integer), got \"" + id + "\"");
    }
  }

  private static void write(Response resp, String s) throws IOException {
    Content.Sink.write(resp, false, ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)));
  }

  // ---------------------------------------------------------------- helpers

  private void authorize(Request req) {
    if (token != null && !token.matches(req.getHeaders().get(HttpHeader.AUTHORIZATION))) {
      throw HttpError.of(401, "this endpoint needs the header Authorization: Bearer <the API token>");
    }
  }

  private String body(Request req) throws IOException {
    long declared = req.getLength();
    if (declared > maxBodyBytes) {
      throw tooLarge();
    }
    byte[] b;
    try (BodyLimits.Reading reading = bodyLimits.start(req);
        InputStream in = Content.Source.asInputStream(req)) {
      b = in.readNBytes(maxBodyBytes + 1);
    } catch (IOException e) {
      throw HttpError.of(400, "the request body could not be read: " + e.getMessage());
    }
    if (b.length > maxBodyBytes) {
      throw tooLarge();
    }
    req.setAttribute(BODY_READ, Boolean.TRUE);
    return new String(b, StandardCharsets.UTF_8);
  }

  private HttpError tooLarge() {
    return HttpError.of(413, "the request body is larger than the limit of " + maxBodyBytes + " bytes");
  }

  /** The body as a JSON object of known fields; an empty body is an empty object. */
  private static JsonNode object(String body, Set<String> allowed) {
    if (body.isBlank()) {
      return Json.object();
    }
    JsonNode n;
    try {
      n = Json.readTree(body);
    } catch (JsonProcessingException e) {
      throw HttpError.of(400, "malformed JSON: " + Json.describe(e));
    }
    if (n == null || !n.isObject()) {
      throw HttpError.of(400, "the body must be a JSON object");
    }
    List<String> unknown = new ArrayList<>();
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        unknown.add(f);
      }
    }
    if (!unknown.isEmpty()) {
      throw HttpError.of(400, "unknown field" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
          + "; allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)));
    }
    return n;
  }

  private static String text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw HttpError.of(400, field + " must be a string, got " + v);
    }
    return v.textValue();
  }

  private static void allow(String method, String allowed) {
    if (!method.equals(allowed)) {
      ObjectNode b = error("method " + method + " is not allowed here; use " + allowed);
      throw new HttpError(405, b);
    }
  }

  private static List<String> segments(String path) {
    List<String> out = new ArrayList<>();
    for (String s : path.split("/")) {
      if (!s.isEmpty()) {
        out.add(URIUtil.decodePath(s));
      }
    }
    return out;
  }

  private static ObjectNode error(String message) {
    ObjectNode o = Json.object();
    o.put("error", message);
    return o;
  }

  private static void send(Response resp, Callback cb, int status, ObjectNode body) {
    send(resp, cb, status, JSON, Json.write(body).getBytes(StandardCharsets.UTF_8));
  }

  private static void send(Response resp, Callback cb, int status, String contentType, byte[] body) {
    resp.setStatus(status);
    resp.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    resp.write(true, ByteBuffer.wrap(body), cb);
  }
}
