package dev.tokenmeter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The half of tokenmeter that spans processes: two {@code tokenmeter serve} processes each hold
 * part of a run, Prometheus (Debian's) sums them with the shipped rules, and Alertmanager
 * (Debian's) calls both webhooks, which pause the run on both.
 */
class CrossInstanceAlertPauseTest {

  private static final String TOKEN = "e2e-secret-token-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir Path dir;
  private final List<AutoCloseable> running = new ArrayList<>();
  private String a;
  private String b;

  @BeforeEach
  void start() throws Exception {
    // Resolve the programs first: without them the test is skipped (or fails under CI).
    ExternalProcess.requireProgram("prometheus");
    ExternalProcess.requireProgram("prometheus-alertmanager", "alertmanager");
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
    int portA = ExternalProcess.freePort();
    int portB = ExternalProcess.freePort();
    a = "127.0.0.1:" + portA;
    b = "127.0.0.1:" + portB;
    for (int port : new int[] {portA, portB}) {
      Path state = Files.createDirectories(dir.resolve("state-" + port));
      running.add(ExternalProcess.start("tokenmeter-" + port,
              ExternalProcess.tokenmeter("serve", "--port", String.valueOf(port), "--state-dir", state.toString(),
                  "--api-token-file", tokenFile.toString(), "--run-budget", "1.00"), dir)
          .awaitReady("http://127.0.0.1:" + port + "/healthz", Duration.ofSeconds(60)));
    }
    running.add(new AlertingStack(dir, List.of(a, b), tokenFile,
        Map.of("TokenmeterRunBudgetBurnRate", "2s", "TokenmeterRunBudgetNearlyExhausted", "0s")));
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
  }

  @Test
  void aRunOverBudgetAcrossTwoInstancesIsPausedOnBothAndNothingElseIs() throws Exception {
    // Each instance alone stays under the $1.00 budget: $0.60 on each (opus input at $5/M).
    postUsage(a, "r-shared", "coder-a", 120_000);
    postUsage(a, "r-other", "coder-a", 20_000);
    postUsage(b, "r-other", "coder-b", 20_000);
    awaitScraped("r-shared", 1);
    postUsage(b, "r-shared", "coder-b", 120_000);
    Instant crossing = Instant.now();
    assertThat(gate(a, "r-shared")).isEqualTo(200);
    assertThat(gate(b, "r-shared")).isEqualTo(200);

    Instant deadline = crossing.plusSeconds(60);
    while ((gate(a, "r-shared") != 423 || gate(b, "r-shared") != 423) && Instant.now().isBefore(deadline)) {
      Thread.sleep(100);
    }
    Duration toPause = Duration.between(crossing, Instant.now());
    System.out.println("E2E budget-exceeded: crossing to pause on both instances took " + toPause.toMillis()
        + " ms (scrape 1s, evaluation 1s, group_wait 1s)");
    assertThat(gate(a, "r-shared")).as("gate on instance A").isEqualTo(423);
    assertThat(gate(b, "r-shared")).as("gate on instance B").isEqualTo(423);
    for (String instance : List.of(a, b)) {
      JsonNode run = run(instance, "r-shared");
      assertThat(run.path("state").asText()).isEqualTo("paused");
      assertThat(run.path("breakpoint").path("source").asText()).isEqualTo("alert");
      assertThat(run.path("breakpoint").path("reason").asText()).contains("TokenmeterRunBudgetExceeded");
      assertThat(new BigDecimal(run.path("costUsd").asText())).isEqualByComparingTo("0.6");
    }
    assertThat(gate(a, "r-other")).isEqualTo(200);
    assertThat(gate(b, "r-other")).isEqualTo(200);
  }

  @Test
  void theBurnRateAlertPausesARunBeforeItReachesItsBudget() throws Exception {
    putBudget(a, "r-burn", "50.00");
    Instant start = Instant.now();
    Instant deadline = start.plusSeconds(90);
    int calls = 0;
    while (gate(a, "r-burn") != 423 && Instant.now().isBefore(deadline)) {
      postUsage(a, "r-burn", "coder", 40_000); // $0.20 a call, every 250 ms: $48 a minute
      calls++;
      Thread.sleep(250);
    }
    Duration toPause = Duration.between(start, Instant.now());
    JsonNode run = run(a, "r-burn");
    System.out.println("E2E burn-rate: paused after " + toPause.toMillis() + " ms and " + calls
        + " calls at $" + run.path("costUsd").asText() + " of $50 (scrape 1s, evaluation 1s, for 2s)");
    assertThat(run.path("state").asText()).isEqualTo("paused");
    assertThat(run.path("breakpoint").path("source").asText()).isEqualTo("alert");
    assertThat(run.path("breakpoint").path("reason").asText()).contains("TokenmeterRunBudgetBurnRate");
    assertThat(new BigDecimal(run.path("costUsd").asText())).isLessThan(new BigDecimal("50"));
  }

  private static void postUsage(String instance, String run, String subagent, long inputTokens) throws Exception {
    String body = JSON.writeValueAsString(Map.of("run", run, "subagent", subagent, "model", "claude-opus-4-5",
        "inputTokens", inputTokens));
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + instance + "/api/v1/usage"))
        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
  }

  private static void putBudget(String instance, String run, String usd) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + instance + "/api/v1/runs/" + run + "/budget"))
        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"budgetUsd\":\"" + usd + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
  }

  private static int gate(String instance, String run) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + instance + "/api/v1/runs/" + run + "/gate")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static JsonNode run(String instance, String run) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + instance + "/api/v1/runs/" + run)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** Waits until Prometheus has scraped {@code run}'s cost from {@code instances} instances. */
  private void awaitScraped(String run, int instances) throws Exception {
    Instant deadline = Instant.now().plusSeconds(30);
    String q = java.net.URLEncoder.encode("count(tokenmeter_cost_usd{run=\"" + run + "\"})", java.nio.charset.StandardCharsets.UTF_8);
    AlertingStack stack = (AlertingStack) running.get(running.size() - 1);
    while (Instant.now().isBefore(deadline)) {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + stack.prometheusPort + "/api/v1/query?query=" + q)).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode result = JSON.readTree(r.body()).path("data").path("result");
      if (result.size() == 1 && result.get(0).path("value").get(1).asInt() >= instances) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("Prometheus never scraped run " + run);
  }
}
