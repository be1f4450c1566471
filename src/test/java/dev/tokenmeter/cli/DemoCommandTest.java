package dev.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.server.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void runsPausesResumesByItselfAndCompletesThenKeepsServing() throws Exception {
    java.io.StringWriter out = new java.io.StringWriter();
    Thread t =
        new Thread(
            () -> {
              picocli.CommandLine cl = Main.commandLine(java.util.Map.of());
              cl.setOut(new java.io.PrintWriter(out, true));
              cl.setErr(new java.io.PrintWriter(out, true));
              cl.execute("demo", "--no-wait", "--speed", "100", "--port", "0", "--run", "d1");
            });
    t.start();
    URI base = awaitBase(out);
    JsonNode run = awaitState(base, "ended");
    assertThat(run.get("costUsd").asText()).isNotEmpty();
    List<String> actions = new ArrayList<>();
    run.get("history").forEach(h -> actions.add(h.get("action").asText() + "/" + h.get("source").asText()));
    assertThat(actions).containsSubsequence("budget/manual", "pause/budget", "resume/raise");
    assertThat(run.get("history").toString()).contains("\"by\":\"demo --no-wait\"");
    assertThat(run.get("budgetUsd").asText()).isEqualTo("4");
    assertThat(run.get("bySubagent").fieldNames()).toIterable().containsExactly("coder", "planner", "reviewer");
    assertThat(run.get("byModel").fieldNames()).toIterable().containsExactly("claude-opus-4-5", "claude-sonnet-4-5", "gpt-4.1");
    assertThat(run.get("tokens").get("cache_read").asLong()).isPositive();
    assertThat(run.get("tokens").get("cache_write_5m").asLong()).isPositive();

    String text = out.toString();
    assertThat(text)
        .contains("** 50% of the run budget")
        .contains("** 80% of the run budget")
        .contains("** PAUSED (budget)")
        // On a port other than the default, the commands it prints name the server.
        .contains("resume from another terminal:  tokenmeter run:resume d1 --raise 2 --server " + base)
        .contains("watch it    tokenmeter run:status d1 --watch --server " + base)
        .contains("** RESUMED by demo --no-wait (raise), budget now $4.00")
        .contains("run d1 complete")
        .contains("still serving on");
    assertThat(http.send(HttpRequest.newBuilder(base.resolve("metrics")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(200);

    t.interrupt(); // Ctrl-C: stops serving
    t.join(10_000);
    assertThat(t.isAlive()).isFalse();
  }

  @Test
  void exitsWhenAskedTo() {
    Cli c = Cli.run(java.util.Map.of("TOKENMETER_LAUNCHER", "./tokenmeter"),
        "demo", "--no-wait", "--speed", "200", "--port", "0", "--run", "d2", "--exit");
    assertThat(c.exit).isEqualTo(0);
    assertThat(c.out()).contains("** PAUSED").contains("run d2 complete").doesNotContain("still serving");
    // Started through the launcher, it prints the commands as the launcher was called.
    assertThat(c.out()).contains(":  ./tokenmeter run:resume d2 --raise 2 --server ").contains("    ./tokenmeter run:status d2 --watch");
  }

  private static URI awaitBase(java.io.StringWriter out) throws InterruptedException {
    Pattern p = Pattern.compile("tokenmeter serving on (http://\\S+/)");
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      Matcher m = p.matcher(out.toString());
      if (m.find()) {
        return URI.create(m.group(1));
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the demo did not start serving: " + out);
  }

  private JsonNode awaitState(URI base, String state) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("api/v1/runs/d1")).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        last = Json.MAPPER.readTree(r.body());
        if (last.get("state").asText().equals(state)) {
          return last;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("run d1 did not reach " + state + ": " + last);
  }
}
