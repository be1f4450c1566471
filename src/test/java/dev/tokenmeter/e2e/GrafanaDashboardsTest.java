package dev.tokenmeter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every shipped dashboard's queries run against a real Prometheus that scraped tokenmeter during a
 * demo run: each parses and returns data, with the dashboard's variables substituted as Grafana
 * would. Each panel uses the datasource variable, and money panels are in USD.
 */
class GrafanaDashboardsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final Pattern MONEY = Pattern.compile("tokenmeter_(cost|spend|run_budget|session_budget)_usd");

  @TempDir Path dir;
  private final List<AutoCloseable> running = new ArrayList<>();
  private String tokenmeter;
  private AlertingStack stack;

  @BeforeEach
  void start() throws Exception {
    ExternalProcess.requireProgram("prometheus");
    int port = ExternalProcess.freePort();
    tokenmeter = "127.0.0.1:" + port;
    // Prometheus first, so that its scrapes span the whole demo: a ratio of rates is empty when
    // every counter already held its final value at the first scrape (a slow start of Prometheus
    // once let a short demo finish before it looked).
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, "unused");
    stack = new AlertingStack(dir, List.of(tokenmeter), tokenFile, Map.of());
    running.add(stack);
    running.add(ExternalProcess.start("tokenmeter-demo",
            ExternalProcess.tokenmeter("demo", "--no-wait", "--speed", "5", "--port", String.valueOf(port),
                "--run", "demo-e2e", "--state-dir", dir.resolve("state").toString()), dir)
        .awaitReady("http://" + tokenmeter + "/healthz", Duration.ofSeconds(60)));
    // What a demo alone does not show: a model without a price, and a run left paused.
    send("POST", "/api/v1/usage", "{\"run\":\"side\",\"model\":\"mystery-model\",\"inputTokens\":500,\"outputTokens\":20}");
    send("POST", "/api/v1/runs/held/pause", "{\"reason\":\"held for review\",\"by\":\"test\"}");
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
  }

  @Test
  void everyDashboardQueryParsesAndReturnsData() throws Exception {
    long requests = awaitRunEnded("demo-e2e", Duration.ofSeconds(120));
    awaitScraped("sum(tokenmeter_requests_total{run=\"demo-e2e\"})", requests, Duration.ofSeconds(30));

    assertThat(query("label_values", "job")).contains("tokenmeter");
    assertThat(query("label_values", "run")).contains("demo-e2e");
    Map<String, String> vars = Map.of(
        "${datasource}", "prometheus", "$datasource", "prometheus", "$job", "tokenmeter", "$run", "demo-e2e",
        // A rate window that spans the whole short demo, as Grafana's would over a dashboard range:
        // a 10 s window taken after the demo ended can hold no increase, and a ratio of rates is then empty.
        "$__rate_interval", "1m", "$__range", "5m", "$__interval", "1s");

    List<Path> dashboards;
    try (Stream<Path> files = Files.list(AlertingStack.REPO.resolve("grafana/dashboards"))) {
      dashboards = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(dashboards).hasSizeGreaterThanOrEqualTo(2);
    List<String> failures = new ArrayList<>();
    int queries = 0;
    for (Path file : dashboards) {
      JsonNode d = JSON.readTree(file.toFile());
      assertThat(d.toString()).doesNotContain("${DS_").doesNotContain("__inputs");
      for (JsonNode panel : panels(d.get("panels"))) {
        if (!panel.has("targets")) {
          continue;
        }
        String where = file.getFileName() + " panel \"" + panel.path("title").asText() + "\"";
        if (!panel.path("datasource").path("uid").asText().equals("${datasource}")) {
          failures.add(where + ": datasource is not ${datasource}");
        }
        boolean money = false;
        for (JsonNode t : panel.get("targets")) {
          if (!t.path("datasource").path("uid").asText().equals("${datasource}")) {
            failures.add(where + " target " + t.path("refId").asText() + ": datasource is not ${datasource}");
          }
          String expr = t.path("expr").asText();
          money |= MONEY.matcher(expr).find() && !expr.contains(" / ") && !expr.startsWith("count");
          if (expr.contains("rate(") && !expr.contains("$__rate_interval")) {
            failures.add(where + ": a rate without $__rate_interval: " + expr);
          }
          String q = substitute(expr, vars);
          queries++;
          JsonNode r = promQuery(q);
          if (!r.path("status").asText().equals("success")) {
            failures.add(where + ": query failed: " + q + " -> " + r);
          } else if (r.path("data").path("result").isEmpty()) {
            failures.add(where + ": no data: " + q);
          }
        }
        if (money && !hasUnit(panel, "currencyUSD")) {
          failures.add(where + ": shows money but has no currencyUSD unit");
        }
      }
      for (JsonNode a : d.path("annotations").path("list")) {
        if (a.has("expr")) {
          JsonNode r = promQuery(substitute(a.get("expr").asText(), vars));
          if (!r.path("status").asText().equals("success")) {
            failures.add(file.getFileName() + " annotation " + a.path("name").asText() + ": query failed: " + r);
          }
        }
      }
    }
    assertThat(failures).isEmpty();
    assertThat(queries).isGreaterThan(20);
  }

  private static boolean hasUnit(JsonNode panel, String unit) {
    if (panel.path("fieldConfig").path("defaults").path("unit").asText().equals(unit)) {
      return true;
    }
    for (JsonNode o : panel.path("fieldConfig").path("overrides")) {
      for (JsonNode p : o.path("properties")) {
        if (p.path("id").asText().equals("unit") && p.path("value").asText().equals(unit)) {
          return true;
        }
      }
    }
    return false;
  }

  private static List<JsonNode> panels(JsonNode list) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode p : list) {
      out.add(p);
      if (p.has("panels")) {
        out.addAll(panels(p.get("panels")));
      }
    }
    return out;
  }

  private static String substitute(String expr, Map<String, String> vars) {
    String s = expr;
    // Longest names first, so $__rate_interval is not read as $__r...
    List<String> names = new ArrayList<>(vars.keySet());
    names.sort((a, b) -> b.length() - a.length());
    for (String n : names) {
      s = s.replace(n, vars.get(n));
    }
    assertThat(s).as("unsubstituted variable in " + expr).doesNotContain("$");
    return s;
  }

  private JsonNode promQuery(String q) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.prometheusPort
        + "/api/v1/query?query=" + URLEncoder.encode(q, StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  private List<String> query(String kind, String label) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.prometheusPort
        + "/api/v1/label/" + label + "/values?match[]=" + URLEncoder.encode("tokenmeter_cost_usd", StandardCharsets.UTF_8))).build(),
        HttpResponse.BodyHandlers.ofString());
    List<String> out = new ArrayList<>();
    JSON.readTree(r.body()).path("data").forEach(v -> out.add(v.asText()));
    return out;
  }

  private void send(String method, String path, String body) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + tokenmeter + path))
        .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
  }

  /** Waits for the run to end and returns how many requests the server counted for it. */
  private long awaitRunEnded(String run, Duration timeout) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    String state = "";
    while (Instant.now().isBefore(deadline)) {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + tokenmeter + "/api/v1/runs/" + run)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        JsonNode status = JSON.readTree(r.body());
        state = status.path("state").asText();
        if (state.equals("ended")) {
          return status.path("requests").asLong();
        }
      }
      Thread.sleep(250);
    }
    throw new AssertionError("demo run " + run + " did not end (state " + state + ")");
  }

  /** Waits until Prometheus has scraped the server's final count, so every query sees the whole run. */
  private void awaitScraped(String q, long expected, Duration timeout) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    JsonNode last = null;
    while (Instant.now().isBefore(deadline)) {
      last = promQuery(q);
      JsonNode result = last.path("data").path("result");
      if (!result.isEmpty() && Double.parseDouble(result.get(0).path("value").get(1).asText()) == expected) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("Prometheus never scraped " + expected + " for " + q + "; last answer " + last);
  }
}
