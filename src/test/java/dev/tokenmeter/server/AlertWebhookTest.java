package dev.tokenmeter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The webhook against the bodies a real Alertmanager 0.25 sent, and variants shaped like them. */
class AlertWebhookTest {

  private static final String TOKEN = "capture-token";
  private Harness h;

  @BeforeEach
  void start() throws Exception {
    h = new Harness(TOKEN);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  static String payload(String file) throws IOException {
    String dir = System.getProperty("tokenmeter.sharedData", "../shared/data");
    return Files.readString(Path.of(dir, "alertmanager-webhook", file));
  }

  private HttpResponse<String> alert(String body) throws Exception {
    // As Alertmanager sends it: JSON with the bearer token from credentials_file.
    return h.send("POST", "/api/v1/alerts", body, "application/json", TOKEN);
  }

  private String state(String run) throws Exception {
    HttpResponse<String> r = h.get("/api/v1/runs/" + run);
    return r.statusCode() == 404 ? "unknown" : Harness.json(r).get("state").asText();
  }

  private void usage(String run, String session) throws Exception {
    assertThat(h.post("/api/v1/usage", "{\"run\":\"" + run + "\",\"session\":\"" + session + "\",\"model\":\"claude-sonnet-4-5\",\"inputTokens\":10}").statusCode())
        .isEqualTo(200);
  }

  @Test
  void notifyAlertPausesNothing() throws Exception {
    HttpResponse<String> r = alert(payload("01-firing-nearly-exhausted.json"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Harness.json(r).get("notifications").asInt()).isEqualTo(1);
    assertThat(Harness.json(r).get("paused").asInt()).isZero();
    assertThat(h.allRuns()).isEqualTo("{\"runs\":[]}");
  }

  @Test
  void pauseForAnUnseenRunThenRepeatThenResumeThenRepeatAgain() throws Exception {
    HttpResponse<String> r = alert(payload("02-firing-budget-exceeded.json"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"paused\":1").contains("\"unseenRuns\":1");
    JsonNode run = Harness.json(h.get("/api/v1/runs/run-a"));
    assertThat(run.get("state").asText()).isEqualTo("paused");
    assertThat(run.get("breakpoint").get("source").asText()).isEqualTo("alert");
    assertThat(run.get("breakpoint").get("reason").asText())
        .isEqualTo("alert TokenmeterRunBudgetExceeded: Run run-a is over its budget");
    assertThat(h.get("/api/v1/runs/run-a/gate").statusCode()).isEqualTo(423);

    // The run shows up later: it starts paused, its usage is still counted.
    usage("run-a", "s1");
    assertThat(state("run-a")).isEqualTo("paused");
    String before = h.allRuns();

    HttpResponse<String> repeat = alert(payload("03-firing-budget-exceeded-repeat.json"));
    assertThat(repeat.statusCode()).isEqualTo(200);
    assertThat(repeat.body()).contains("\"duplicates\":1").contains("\"paused\":0");
    assertThat(h.allRuns()).isEqualTo(before);

    // A person resumes; Alertmanager re-sends the same alert at repeat_interval: it stays resumed.
    assertThat(h.post("/api/v1/runs/run-a/resume", "{\"override\":true,\"by\":\"ana\"}").statusCode()).isEqualTo(200);
    alert(payload("03-firing-budget-exceeded-repeat.json"));
    alert(payload("02-firing-budget-exceeded.json"));
    assertThat(state("run-a")).isEqualTo("active");
  }

  @Test
  void groupedThenResolved() throws Exception {
    usage("run-a", "s1");
    HttpResponse<String> r = alert(payload("04-firing-grouped-two-runs.json"));
    assertThat(r.body()).contains("\"alerts\":2").contains("\"paused\":2").contains("\"unseenRuns\":1");
    assertThat(state("run-a")).isEqualTo("paused");
    assertThat(state("run-c")).isEqualTo("paused");
    String before = h.allRuns();

    HttpResponse<String> resolved = alert(payload("05-resolved-grouped-two-runs.json"));
    assertThat(resolved.statusCode()).isEqualTo(200);
    assertThat(resolved.body()).contains("\"paused\":0").contains("\"notifications\":2");
    assertThat(h.allRuns()).isEqualTo(before); // resolved never resumes
  }

  @Test
  void truncatedAndUnknownFieldsAreAccepted() throws Exception {
    ObjectNode p = (ObjectNode) Json.MAPPER.readTree(payload("02-firing-budget-exceeded.json"));
    p.put("truncatedAlerts", 3);
    p.put("notification_reason", "repeat_interval");
    p.putObject("routeLabels").put("receiver", "tm");
    ((ObjectNode) p.get("alerts").get(0)).put("somethingNew", true);
    HttpResponse<String> r = alert(p.toString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"truncatedAlerts\":3").contains("\"paused\":1");
  }

  @Test
  void sessionTargetAndScopeAll() throws Exception {
    usage("r1", "s9");
    usage("r2", "s9");
    usage("r3", "other");
    ObjectNode p = firingPause("fp-session", List.of("session", "s9"));
    assertThat(alert(p.toString()).body()).contains("\"paused\":2");
    assertThat(state("r1")).isEqualTo("paused");
    assertThat(state("r2")).isEqualTo("paused");
    assertThat(state("r3")).isEqualTo("active");

    ObjectNode all = firingPause("fp-all", List.of("tokenmeter_scope", "all"));
    assertThat(alert(all.toString()).body()).contains("\"paused\":1");
    assertThat(state("r3")).isEqualTo("paused");

    ObjectNode none = firingPause("fp-none", List.of());
    assertThat(alert(none.toString()).body()).contains("\"untargeted\":1").contains("\"paused\":0");
  }

  @Test
  void aSessionAlertHoldsRunsThatJoinTheSessionLater() throws Exception {
    ObjectNode p = firingPause("fp-session-unseen", List.of("session", "s-elsewhere"));
    HttpResponse<String> r = alert(p.toString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"paused\":0");
    usage("r-late", "s-elsewhere");
    assertThat(state("r-late")).isEqualTo("paused");
    usage("r-unrelated", "s-other");
    assertThat(state("r-unrelated")).isEqualTo("active");
  }

  /** A firing pause alert shaped like 02, with the run and session labels replaced. */
  private static ObjectNode firingPause(String fingerprint, List<String> labels) throws IOException {
    ObjectNode p = (ObjectNode) Json.MAPPER.readTree(payload("02-firing-budget-exceeded.json"));
    ObjectNode a = (ObjectNode) p.get("alerts").get(0);
    a.put("fingerprint", fingerprint);
    ObjectNode l = (ObjectNode) a.get("labels");
    l.remove("run");
    l.remove("session");
    for (int i = 0; i < labels.size(); i += 2) {
      l.put(labels.get(i), labels.get(i + 1));
    }
    return p;
  }

  @Test
  void malformedPayloadsChangeNothing() throws Exception {
    usage("run-a", "s1");
    String before = h.allRuns();
    ObjectNode wrongVersion = (ObjectNode) Json.MAPPER.readTree(payload("02-firing-budget-exceeded.json"));
    wrongVersion.put("version", "3");
    ObjectNode notList = wrongVersion.deepCopy();
    notList.put("version", "4");
    notList.putObject("alerts");
    ObjectNode noLabels = (ObjectNode) Json.MAPPER.readTree(payload("04-firing-grouped-two-runs.json"));
    ((ObjectNode) noLabels.get("alerts").get(1)).remove("labels");
    ObjectNode badStatus = (ObjectNode) Json.MAPPER.readTree(payload("02-firing-budget-exceeded.json"));
    ((ObjectNode) badStatus.get("alerts").get(0)).put("status", "burning");
    String[][] cases = {
      {"not json", "malformed JSON"},
      {"[]", "the body must be a JSON object"},
      {wrongVersion.toString(), "version must be \\\"4\\\", got \\\"3\\\""},
      {notList.toString(), "alerts must be a list, got object"},
      {noLabels.toString(), "alerts[1].labels must be an object of strings"},
      {badStatus.toString(), "alerts[0].status must be \\\"firing\\\" or \\\"resolved\\\""},
    };
    for (String[] c : cases) {
      HttpResponse<String> r = alert(c[0]);
      assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
      assertThat(r.body()).as(c[0]).contains(c[1]);
    }
    assertThat(h.allRuns()).isEqualTo(before);
    assertThat(h.server.webhookCalls(false)).isEqualTo(cases.length);
    assertThat(h.server.webhookCalls(true)).isZero();
    assertThat(h.get("/metrics").body())
        .contains("tokenmeter_webhook_requests_total{outcome=\"rejected\"} 6.0")
        .contains("tokenmeter_webhook_requests_total{outcome=\"accepted\"} 0.0");
    HttpResponse<String> noToken = h.send("POST", "/api/v1/alerts", payload("02-firing-budget-exceeded.json"), "application/json", null);
    assertThat(noToken.statusCode()).isEqualTo(401);
    assertThat(h.allRuns()).isEqualTo(before);
  }

  @Test
  void theSameAlertSentConcurrentlyPausesOnceAndEveryOtherCopyIsADuplicate() throws Exception {
    String body = payload("02-firing-budget-exceeded.json");
    int n = 8;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
    try {
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.Future<HttpResponse<String>>> answers = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        answers.add(pool.submit(() -> {
          go.await();
          return alert(body);
        }));
      }
      go.countDown();
      int paused = 0;
      int duplicates = 0;
      for (java.util.concurrent.Future<HttpResponse<String>> f : answers) {
        HttpResponse<String> r = f.get();
        assertThat(r.statusCode()).isEqualTo(200);
        paused += Harness.json(r).get("paused").asInt();
        duplicates += Harness.json(r).get("duplicates").asInt();
      }
      assertThat(paused).isEqualTo(1);
      assertThat(duplicates).isEqualTo(n - 1);
      assertThat(state("run-a")).isEqualTo("paused");
      assertThat(Harness.json(h.get("/api/v1/runs/run-a")).get("history").size()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }
}
