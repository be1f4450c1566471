package dev.tokenmeter.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.TokenMeter;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ApiTest {

  private static final String TOKEN = "s3cret-token";
  private static final String EVENT =
      "{\"run\":\"r1\",\"subagent\":\"coder\",\"model\":\"claude-sonnet-4-5\",\"inputTokens\":1000,\"outputTokens\":100}";

  private Harness h;

  @BeforeEach
  void start() throws Exception {
    h = new Harness(TOKEN);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  void healthz() throws Exception {
    HttpResponse<String> r = h.get("/healthz");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"status\":\"ok\",\"problems\":[]}");
    // "/" is the embedded dashboard (DESIGN section 6); other paths outside the API are 404.
    assertThat(h.get("/").statusCode()).isEqualTo(200);
    assertThat(h.get("/nope").statusCode()).isEqualTo(404);
  }

  @Test
  void usageOneObjectThenRunJson() throws Exception {
    HttpResponse<String> r = h.post("/api/v1/usage", EVENT);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"counted\":1,\"duplicates\":0}");

    JsonNode run = Harness.json(h.get("/api/v1/runs/r1"));
    assertThat(run.get("run").asText()).isEqualTo("r1");
    assertThat(run.get("state").asText()).isEqualTo("active");
    // 1000 * 3/M + 100 * 15/M = 0.0045: a decimal string, never a float
    assertThat(run.get("costUsd").isTextual()).isTrue();
    assertThat(run.get("costUsd").asText()).isEqualTo("0.0045");
    assertThat(run.get("budgetUsd").asText()).isEqualTo("1");
    assertThat(run.get("tokens").get("input").asLong()).isEqualTo(1000);
    assertThat(run.get("tokens").get("cache_write_1h").asLong()).isZero();
    assertThat(run.get("bySubagent").get("coder").get("costUsd").asText()).isEqualTo("0.0045");
    assertThat(run.get("byModel").get("claude-sonnet-4-5").get("requests").asLong()).isEqualTo(1);
    assertThat(run.get("breakpoint").isNull()).isTrue();
    assertThat(run.get("burnRateUsdPerMinute").asText()).isEqualTo("0.0045");
    assertThat(run.has("session")).isTrue();
    assertThat(run.has("unpricedModels")).isTrue();
    assertThat(run.has("history")).isTrue();

    JsonNode runs = Harness.json(h.get("/api/v1/runs"));
    assertThat(runs.get("runs")).hasSize(1);
    assertThat(h.get("/api/v1/runs/nope").statusCode()).isEqualTo(404);
  }

  @Test
  void usageArrayAndNdjsonByHeaderAndByContent() throws Exception {
    HttpResponse<String> arr = h.post("/api/v1/usage", "[" + EVENT + "," + EVENT + "]");
    assertThat(arr.body()).isEqualTo("{\"counted\":2,\"duplicates\":0}");
    HttpResponse<String> nd =
        h.send("POST", "/api/v1/usage", EVENT + "\n\n" + EVENT + "\n", "application/x-ndjson", TOKEN);
    assertThat(nd.body()).isEqualTo("{\"counted\":2,\"duplicates\":0}");
    HttpResponse<String> byContent = h.post("/api/v1/usage", EVENT + "\n" + EVENT);
    assertThat(byContent.body()).isEqualTo("{\"counted\":2,\"duplicates\":0}");
    assertThat(Harness.json(h.get("/api/v1/runs/r1")).get("requests").asLong()).isEqualTo(6);
  }

  @Test
  void idempotencyKeysAcrossAndWithinRequests() throws Exception {
    String a = EVENT.replace("}", ",\"idempotencyKey\":\"k1\"}");
    String b = EVENT.replace("}", ",\"idempotencyKey\":\"k2\"}");
    assertThat(h.post("/api/v1/usage", "[" + a + "," + a + "," + b + "]").body())
        .isEqualTo("{\"counted\":2,\"duplicates\":1}");
    assertThat(h.post("/api/v1/usage", a).body()).isEqualTo("{\"counted\":0,\"duplicates\":1}");
    assertThat(Harness.json(h.get("/api/v1/runs/r1")).get("requests").asLong()).isEqualTo(2);
  }

  @Test
  void badUsageListsEveryProblemAndAppliesNothing() throws Exception {
    h.post("/api/v1/usage", EVENT);
    String before = h.allRuns();
    String body =
        EVENT + "\n"
            + "{\"run\":\"r1\",\"model\":\"m\",\"inputTokens\":-5}\n"
            + "{\"run\":\"r1\",\"model\":\"m\",\"outputTokens\":1.5,\"cacheReadTokens\":\"12\",\"colour\":\"red\"}\n"
            + "{\"model\":\"m\",\"inputTokens\":1e3}\n"
            + "{not json\n"
            + "[1]\n";
    HttpResponse<String> r = h.send("POST", "/api/v1/usage", body, "application/x-ndjson", TOKEN);
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode errors = Harness.json(r).get("errors");
    assertThat(errors.get(0).toString())
        .isEqualTo("{\"line\":2,\"field\":\"inputTokens\",\"message\":\"must be a non-negative integer, got -5\"}");
    assertThat(r.body())
        .contains("{\"line\":3,\"field\":\"outputTokens\",\"message\":\"must be a non-negative integer, got 1.5\"}")
        .contains("{\"line\":3,\"field\":\"cacheReadTokens\",\"message\":\"must be a non-negative integer, got \\\"12\\\"\"}")
        .contains("{\"line\":3,\"field\":\"colour\",\"message\":\"unknown field; known fields: run, session")
        .contains("{\"line\":4,\"field\":\"inputTokens\",\"message\":\"must be a non-negative integer, got 1E+3\"}")
        .contains("{\"line\":4,\"field\":\"run\",\"message\":\"is required\"}")
        .contains("{\"line\":5,\"message\":\"malformed JSON")
        .contains("{\"line\":6,\"message\":\"must be a JSON object");
    assertThat(errors).hasSize(8);
    assertThat(h.allRuns()).isEqualTo(before);
  }

  @Test
  void badArrayElementsAreListedByIndex() throws Exception {
    String before = h.allRuns();
    HttpResponse<String> r = h.post("/api/v1/usage", "[" + EVENT + ",{\"run\":\"r2\",\"model\":\"\",\"timestamp\":\"yesterday\"}]");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body())
        .contains("{\"index\":1,\"field\":\"timestamp\",\"message\":\"must be an ISO-8601 instant")
        .contains("{\"index\":1,\"field\":\"model\",\"message\":\"must not be empty\"}");
    assertThat(h.allRuns()).isEqualTo(before);
  }

  @Test
  void malformedAndEmptyBodies() throws Exception {
    HttpResponse<String> r = h.post("/api/v1/usage", "{\"run\":");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).startsWith("{\"errors\":[{\"message\":\"malformed JSON: ");
    assertThat(h.post("/api/v1/usage", "").body()).contains("the request body is empty");
    assertThat(h.post("/api/v1/usage", "[]").body()).contains("no usage events");
    assertThat(h.post("/api/v1/usage", "{\"run\":\"a\",\"run\":\"b\",\"model\":\"m\"}").body()).contains("Duplicate field 'run'");
    assertThat(h.allRuns()).isEqualTo("{\"runs\":[]}");
  }

  @Test
  void hugeBodyIs413() throws Exception {
    String big = "[" + (EVENT + ",").repeat(1000) + EVENT + "]";
    HttpResponse<String> r = h.post("/api/v1/usage", big);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).contains("larger than the limit of 65536 bytes");
    assertThat(h.allRuns()).isEqualTo("{\"runs\":[]}");
  }

  @Test
  void oversizedHeadersAre431() throws Exception {
    java.net.http.HttpRequest r =
        java.net.http.HttpRequest.newBuilder(h.uri("/healthz")).header("X-Big", "x".repeat(10_000)).build();
    assertThat(h.client.send(r, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(431);
  }

  @Test
  void aBusyPortIsAClearError() throws Exception {
    TokenMeterServer second = TokenMeterServer.builder(h.meter).port(h.server.port()).build();
    assertThatThrownBy(second::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("cannot listen on 127.0.0.1:" + h.server.port() + ": ")
        .hasMessageContaining("choose another port with --port");
  }

  @Test
  void mutatingEndpointsNeedTheToken() throws Exception {
    for (String[] call :
        new String[][] {
          {"POST", "/api/v1/usage", EVENT},
          {"POST", "/api/v1/runs/r1/pause", "{}"},
          {"POST", "/api/v1/runs/r1/resume", "{\"override\":true}"},
          {"PUT", "/api/v1/runs/r1/budget", "{\"budgetUsd\":\"5\"}"},
          {"POST", "/api/v1/alerts", "{}"},
        }) {
      for (String bearer : new String[] {null, "wrong", TOKEN + "x"}) {
        HttpResponse<String> r = h.send(call[0], call[1], call[2], "application/json", bearer);
        assertThat(r.statusCode()).as(call[1] + " with " + bearer).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"tokenmeter\"");
        assertThat(r.body()).contains("Authorization: Bearer").doesNotContain(TOKEN);
      }
    }
    assertThat(h.allRuns()).isEqualTo("{\"runs\":[]}");
    assertThat(h.get("/api/v1/runs/r1/gate").statusCode()).isEqualTo(200); // reads need none
  }

  @Test
  void pauseGateResumeAndBudget() throws Exception {
    h.post("/api/v1/usage", EVENT);
    HttpResponse<String> gate = h.get("/api/v1/runs/r1/gate");
    assertThat(gate.statusCode()).isEqualTo(200);
    assertThat(gate.body()).isEqualTo("{\"run\":\"r1\",\"state\":\"open\"}");

    HttpResponse<String> p = h.post("/api/v1/runs/r1/pause", "{\"reason\":\"lunch\",\"by\":\"ana\"}");
    assertThat(p.statusCode()).isEqualTo(200);
    assertThat(Harness.json(p).get("changed").asBoolean()).isTrue();
    assertThat(Harness.json(p).get("status").get("state").asText()).isEqualTo("paused");
    assertThat(Harness.json(h.post("/api/v1/runs/r1/pause", "")).get("changed").asBoolean()).isFalse();

    gate = h.get("/api/v1/runs/r1/gate");
    assertThat(gate.statusCode()).isEqualTo(423);
    JsonNode g = Harness.json(gate);
    assertThat(g.get("state").asText()).isEqualTo("paused");
    assertThat(g.get("reason").asText()).isEqualTo("lunch");
    assertThat(g.get("source").asText()).isEqualTo("manual");
    assertThat(g.get("by").asText()).isEqualTo("ana");
    assertThat(g.get("since").asText()).isNotEmpty();

    JsonNode bp = Harness.json(h.get("/api/v1/runs/r1")).get("breakpoint");
    assertThat(bp.get("reason").asText()).isEqualTo("lunch");
    assertThat(bp.get("source").asText()).isEqualTo("manual");

    HttpResponse<String> resumed = h.post("/api/v1/runs/r1/resume", "{\"by\":\"ana\"}");
    assertThat(resumed.statusCode()).isEqualTo(200);
    assertThat(h.get("/api/v1/runs/r1/gate").statusCode()).isEqualTo(200);
    HttpResponse<String> again = h.post("/api/v1/runs/r1/resume", "{}");
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.body()).contains("run r1 is not paused");

    HttpResponse<String> budget = h.send("PUT", "/api/v1/runs/r1/budget", "{\"budgetUsd\":\"5.25\"}");
    assertThat(budget.statusCode()).isEqualTo(200);
    assertThat(Harness.json(budget).get("status").get("budgetUsd").asText()).isEqualTo("5.25");
    assertThat(Harness.json(h.send("PUT", "/api/v1/runs/r1/budget", "{\"budgetUsd\":7.10}")).get("status").get("budgetUsd").asText())
        .isEqualTo("7.1");
  }

  @Test
  void budgetPauseAndRefusedResume() throws Exception {
    // 100k output tokens of sonnet = $1.50, over the $1.00 default budget: paused by the budget
    h.post("/api/v1/usage", "{\"run\":\"r1\",\"model\":\"claude-sonnet-4-5\",\"outputTokens\":100000}");
    JsonNode run = Harness.json(h.get("/api/v1/runs/r1"));
    assertThat(run.get("state").asText()).isEqualTo("paused");
    assertThat(run.get("breakpoint").get("source").asText()).isEqualTo("budget");
    String before = h.allRuns();

    HttpResponse<String> refused = h.post("/api/v1/runs/r1/resume", "{\"raiseUsd\":\"0.25\"}");
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(Harness.json(refused).get("error").asText())
        .startsWith("run r1 stays paused: run r1 has cost $1.5, at or above the new budget $1.25.");
    assertThat(h.allRuns()).isEqualTo(before);

    for (String[] bad :
        new String[][] {
          {"{\"raiseUsd\":\"abc\"}", "raiseUsd must be a decimal USD amount like \\\"2.00\\\", got \\\"abc\\\""},
          {"{\"raiseUsd\":\"-1\"}", "raiseUsd must not be negative, got -1"},
          {"{\"raiseUsd\":\"1\",\"budgetUsd\":\"9\"}", "give raiseUsd or budgetUsd, not both"},
          {"{\"override\":\"yes\"}", "override must be true or false, got \\\"yes\\\""},
          {"{\"raise\":\"1\"}", "unknown field raise; allowed: budgetUsd, by, override, raiseUsd, reason"},
          {"{\"by\":7}", "by must be a string, got 7"},
          {"[1]", "the body must be a JSON object"},
          {"{", "malformed JSON"},
        }) {
      HttpResponse<String> r = h.post("/api/v1/runs/r1/resume", bad[0]);
      assertThat(r.statusCode()).as(bad[0]).isEqualTo(400);
      assertThat(r.body()).as(bad[0]).contains(bad[1]);
    }
    for (String[] bad :
        new String[][] {
          {"{}", "budgetUsd is required"},
          {"{\"budgetUsd\":true}", "budgetUsd must be a decimal USD amount"},
          {"{\"budgetUsd\":\"5\",\"x\":1}", "unknown field x"},
        }) {
      HttpResponse<String> r = h.send("PUT", "/api/v1/runs/r1/budget", bad[0]);
      assertThat(r.statusCode()).as(bad[0]).isEqualTo(400);
      assertThat(r.body()).as(bad[0]).contains(bad[1]);
    }
    assertThat(h.post("/api/v1/runs/r1/pause", "{\"reason\":[]}").statusCode()).isEqualTo(400);
    assertThat(h.post("/api/v1/runs/nope/resume", "{\"override\":true}").statusCode()).isEqualTo(404);
    assertThat(h.allRuns()).isEqualTo(before);

    HttpResponse<String> ok = h.post("/api/v1/runs/r1/resume", "{\"raiseUsd\":\"2.00\",\"by\":\"ana\"}");
    assertThat(ok.statusCode()).isEqualTo(200);
    JsonNode after = Harness.json(ok).get("status");
    assertThat(after.get("state").asText()).isEqualTo("active");
    assertThat(after.get("budgetUsd").asText()).isEqualTo("3");
    assertThat(after.get("history").toString()).contains("\"action\":\"pause\"").contains("\"action\":\"resume\"");
  }

  @Test
  void unknownEndpointsAndMethods() throws Exception {
    assertThat(h.get("/api/v1/nothing").statusCode()).isEqualTo(404);
    assertThat(h.get("/api/v1/runs/r1/explode").statusCode()).isEqualTo(404);
    assertThat(h.get("/api/v1/usage").statusCode()).isEqualTo(405);
    assertThat(h.send("DELETE", "/api/v1/runs/r1/budget", "").statusCode()).isEqualTo(405);
  }

  @Test
  void metricsByContentNegotiation() throws Exception {
    h.post("/api/v1/alerts", "not json");
    HttpResponse<String> text = h.get("/metrics");
    assertThat(text.statusCode()).isEqualTo(200);
    assertThat(text.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain; version=0.0.4");
    assertThat(text.body()).contains("tokenmeter_webhook_requests_total{outcome=\"rejected\"} 1.0");

    HttpResponse<String> om = h.get("/metrics", "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assertThat(om.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/openmetrics-text");
    assertThat(om.body()).contains("tokenmeter_webhook_requests_total{outcome=\"rejected\"} 1.0").endsWith("# EOF\n");

    HttpResponse<String> proto = h.get("/metrics", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited");
    // Protobuf when its writer is on the class path, else text: never an error.
    assertThat(proto.statusCode()).isEqualTo(200);
    assertThat(proto.body()).isNotEmpty();
  }

  @Test
  void refusesNonLoopbackWithoutToken() {
    try (TokenMeter m = TokenMeter.builder().sweepInterval(java.time.Duration.ZERO).build()) {
      assertThatThrownBy(() -> TokenMeterServer.builder(m).bind("0.0.0.0").port(0).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("refusing to listen on 0.0.0.0 without an API token");
      assertThatThrownBy(() -> TokenMeterServer.builder(m).bind("example.org"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("must be an IP address");
    }
  }
}
