package dev.tokenmeter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenmeter serve} as a sidecar, as a user runs it: a writer appends to a Claude Code
 * transcript and a babysitter journal, slowly and in pieces, while serve tails them; its metrics
 * and gate follow within a second, and a budget crossed this way pauses the run.
 */
class ServeTailsLiveTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String SESSION = "5f0c2a9e-live-0001";

  @TempDir Path dir;
  private ExternalProcess serve;
  private String base;
  private Path transcript;
  private Path runDir;

  @BeforeEach
  void start() throws Exception {
    Path claude = Files.createDirectories(dir.resolve("claude/-work-project"));
    runDir = Files.createDirectories(dir.resolve("runs/01LIVE0000000000000000001/journal"));
    transcript = claude.resolve(SESSION + ".jsonl");
    Files.writeString(transcript, "");
    int port = ExternalProcess.freePort();
    base = "http://127.0.0.1:" + port;
    serve = ExternalProcess.start("serve-tail", ExternalProcess.tokenmeter("serve", "--port", String.valueOf(port),
            "--claude-dir", dir.resolve("claude").toString(), "--runs-dir", dir.resolve("runs").toString(),
            "--state-dir", dir.resolve("state").toString(), "--run-budget", "0.10"), dir)
        .awaitReady(base + "/healthz", Duration.ofSeconds(60));
  }

  @AfterEach
  void stop() {
    serve.close();
  }

  /** One streamed assistant line of a sonnet call: $3 per million input, $15 per million output. */
  private static String assistant(String id, long input, long output) {
    return "{\"type\":\"assistant\",\"isSidechain\":false,\"sessionId\":\"" + SESSION + "\",\"requestId\":\"req_" + id
        + "\",\"timestamp\":\"2026-12-04T15:37:50.000Z\",\"message\":{\"id\":\"msg_" + id
        + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\","
        + "\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"usage\":{\"input_tokens\":" + input
        + ",\"output_tokens\":" + output + ",\"cache_read_input_tokens\":0,\"cache_creation_input_tokens\":0}}}\n";
  }

  private void append(Path file, String text) throws Exception {
    Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  @Test
  void metricsAndGateFollowAppendedLinesWithinASecond() throws Exception {
    // 10,000 input tokens: $0.03.
    append(transcript, assistant("a1", 10_000, 0));
    assertThat(awaitInputTokens(v -> v == 10_000)).isEqualTo(10_000);

    // Half a line, then nothing: it must not be counted yet.
    String second = assistant("a2", 10_000, 0);
    append(transcript, second.substring(0, 120));
    Thread.sleep(1500);
    assertThat(inputTokens()).isEqualTo(10_000);
    assertThat(gate(SESSION)).isEqualTo(200);

    // The rest of it, and one more call: $0.03 + $0.03 + $0.045 = $0.105, over the $0.10 budget.
    long t0 = System.nanoTime();
    append(transcript, second.substring(120) + assistant("a3", 15_000, 0));
    awaitInputTokens(v -> v == 35_000);
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertThat(millis).as("metrics followed within a second").isLessThan(1000);
    long deadline = System.nanoTime() + 1_000_000_000L;
    while (gate(SESSION) != 423 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(gate(SESSION)).isEqualTo(423);

    // A streamed copy of a3 with more output counts once, with its larger usage.
    append(transcript, assistant("a3", 15_000, 200));
    awaitOutputTokens(v -> v == 200);
    Thread.sleep(600);
    assertThat(inputTokens()).isEqualTo(35_000);
  }

  @Test
  void aJournalWrittenInPiecesIsCountedOnceWhenComplete() throws Exception {
    String entry = "{\n  \"type\": \"COST_TRACKED\",\n  \"recordedAt\": \"2026-12-04T15:37:50.247Z\",\n"
        + "  \"data\": {\n    \"model\": \"claude-opus-4-5\",\n    \"inputTokens\": 4000,\n    \"outputTokens\": 100,\n"
        + "    \"cacheReadTokens\": 0,\n    \"taskKind\": \"agent\",\n    \"idempotencyKey\": \"k-1\",\n"
        + "    \"timestamp\": \"2026-12-04T15:37:50.243Z\"\n  },\n  \"checksum\": \"00\"\n}\n";
    Path f = runDir.resolve("000001.01LIVE0000000000000000A1.json");
    Files.writeString(f, entry.substring(0, 60));
    Thread.sleep(1200);
    assertThat(metric("tokenmeter_requests_total", "run=\"01LIVE0000000000000000001\"")).isZero();
    Files.writeString(f, entry.substring(60), StandardOpenOption.APPEND);
    long deadline = System.nanoTime() + 1_500_000_000L;
    while (metric("tokenmeter_requests_total", "run=\"01LIVE0000000000000000001\"") == 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(metric("tokenmeter_requests_total", "run=\"01LIVE0000000000000000001\"")).isEqualTo(1);
    assertThat(metric("tokenmeter_tokens_total", "run=\"01LIVE0000000000000000001\"", "subagent=\"agent\"",
        "model=\"claude-opus-4-5\"", "token_type=\"input\"")).isEqualTo(4000);
  }

  private long awaitInputTokens(Predicate<Long> ok) throws Exception {
    long deadline = System.nanoTime() + 2_000_000_000L;
    long v = inputTokens();
    while (!ok.test(v) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      v = inputTokens();
    }
    assertThat(ok.test(v)).as("input tokens now " + v).isTrue();
    return v;
  }

  private void awaitOutputTokens(Predicate<Long> ok) throws Exception {
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (!ok.test(tokens("output")) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(ok.test(tokens("output"))).as("output tokens now " + tokens("output")).isTrue();
  }

  private long inputTokens() throws Exception {
    return tokens("input");
  }

  private long tokens(String type) throws Exception {
    return metric("tokenmeter_tokens_total", "run=\"" + SESSION + "\"", "subagent=\"main\"",
        "model=\"claude-sonnet-4-5-20250929\"", "token_type=\"" + type + "\"");
  }

  /** The value of the series of {@code name} that has all these {@code label="value"} pairs, or 0. */
  private long metric(String name, String... labels) throws Exception {
    String body = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(body);
    while (m.find()) {
      java.util.List<String> have = java.util.Arrays.asList(m.group(1).split(","));
      if (have.containsAll(java.util.Arrays.asList(labels))) {
        return (long) Double.parseDouble(m.group(2));
      }
    }
    return 0;
  }

  private int gate(String run) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/runs/" + run + "/gate")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
