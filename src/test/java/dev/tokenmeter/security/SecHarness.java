package dev.tokenmeter.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.Prices;
import dev.tokenmeter.server.TokenMeterServer;
import dev.tokenmeter.usage.UsageEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * A real meter with a state directory and a real server on a free loopback port, an HTTP client
 * and a raw socket client (for bytes the HTTP client would never send).
 */
final class SecHarness implements AutoCloseable {

  /** Distinctive, so a leak is found by a plain substring search. */
  static final String TOKEN = "tmSEC-9f41c7d2e8b3a605-zq";
  static final String MODEL = "claude-sonnet-4-5";
  static final ObjectMapper JSON = new ObjectMapper();

  static final PriceBook BOOK =
      PriceBook.of(
          List.of(
              ModelPrice.builder(MODEL)
                  .base(
                      Prices.builder()
                          .input(new BigDecimal("3"))
                          .output(new BigDecimal("15"))
                          .cacheRead(new BigDecimal("0.3"))
                          .cacheWrite5m(new BigDecimal("3.75"))
                          .cacheWrite1h(new BigDecimal("6"))
                          .build())
                  .build()),
          "test", null);

  final Path stateDir;
  final TokenMeter meter;
  final TokenMeterServer server;
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  SecHarness(Path stateDir) throws Exception {
    this(stateDir, b -> b);
  }

  SecHarness(Path stateDir, UnaryOperator<TokenMeterServer.Builder> tweak) throws Exception {
    this.stateDir = stateDir;
    this.meter =
        TokenMeter.builder().priceBook(BOOK).stateDir(stateDir).defaultRunBudget(new BigDecimal("1.00"))
            .sweepInterval(Duration.ZERO).build();
    this.server =
        tweak.apply(
                TokenMeterServer.builder(meter)
                    .port(0)
                    .apiToken(TOKEN)
                    .maxBodyBytes(64 * 1024)
                    .heartbeat(Duration.ofMillis(200))
                    .shutdownIdleTimeout(Duration.ofMillis(100)))
            .build()
            .start();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  /** Records one usage event for a run directly on the meter, so the run exists. */
  void seed(String run) {
    meter.record(UsageEvent.builder().run(run).model(MODEL).inputTokens(1000).outputTokens(100).build());
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A request with exactly the given Authorization header value, or none for null. */
  HttpResponse<String> send(String method, String path, String body, String authorization)
      throws IOException, InterruptedException {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
            .method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
    if (authorization != null) {
      r.header("Authorization", authorization);
    }
    return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> authorized(String method, String path, String body) throws IOException, InterruptedException {
    return send(method, path, body, "Bearer " + TOKEN);
  }

  /** "open" or "paused". */
  String gate(String run) throws IOException, InterruptedException {
    return json(get("/api/v1/runs/" + run + "/gate")).path("state").asText();
  }

  /**
   * What a refused request must not change: every run's status (burn rate aside, it moves with
   * the clock) and tokenmeter's own metric samples.
   */
  String observableState() throws IOException, InterruptedException {
    JsonNode runs = json(get("/api/v1/runs"));
    for (JsonNode r : runs.get("runs")) {
      ((ObjectNode) r).remove("burnRateUsdPerMinute");
    }
    String metrics =
        get("/metrics").body().lines()
            .filter(l -> l.startsWith("tokenmeter_"))
            .filter(l -> !l.contains("burn_rate") && !l.contains("_seconds") && !l.contains("_created"))
            .collect(Collectors.joining("\n"));
    return runs + "\n" + metrics;
  }

  static JsonNode json(HttpResponse<String> r) throws IOException {
    return JSON.readTree(r.body());
  }

  /**
   * Sends raw bytes on a new connection, half-closes nothing, and reads whatever comes back until
   * the server closes the connection or {@code quiet} passes without a byte.
   */
  String raw(String request, Duration quiet) throws IOException {
    return raw(request.getBytes(StandardCharsets.ISO_8859_1), quiet);
  }

  String raw(byte[] request, Duration quiet) throws IOException {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout((int) quiet.toMillis());
      OutputStream out = s.getOutputStream();
      try {
        out.write(request);
        out.flush();
      } catch (IOException e) {
        // The server may close before reading everything (a 431, say): read what it said.
      }
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) >= 0; ) {
          got.write(buf, 0, n);
        }
      } catch (SocketTimeoutException e) {
        // quiet long enough: the server keeps the connection open and has nothing more to say
      } catch (IOException e) {
        // reset by the server after an error response
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /**
   * Sends a header, then after a pause the body, as the JDK client does, and reads the answer
   * until the server closes or a second passes.
   */
  String rawWithLateBody(String head, String body) throws IOException, InterruptedException {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      Thread.sleep(100);
      try {
        out.write(body.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      } catch (IOException e) {
        // already closed
      }
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      try {
        s.getInputStream().transferTo(got);
      } catch (IOException e) {
        // kept open (timeout) or reset
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** The status codes of all responses in a raw exchange, in order. */
  static List<Integer> statuses(String rawResponses) {
    return java.util.regex.Pattern.compile("HTTP/1\\.[01] (\\d{3})").matcher(rawResponses).results()
        .map(m -> Integer.parseInt(m.group(1))).collect(Collectors.toList());
  }

  static String usageBody(String run) {
    return "{\"run\":\"" + run + "\",\"model\":\"" + MODEL + "\",\"inputTokens\":500,\"outputTokens\":50}";
  }

  static String alertBody(String run) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "4");
    root.put("status", "firing");
    ObjectNode a = root.putArray("alerts").addObject();
    a.put("status", "firing");
    a.put("fingerprint", "fp-" + run.hashCode());
    a.put("startsAt", "2026-01-01T00:00:00Z");
    ObjectNode labels = a.putObject("labels");
    labels.put("alertname", "Spend");
    labels.put("tokenmeter_action", "pause");
    labels.put("run", run);
    return root.toString();
  }

  static Map<String, String> headers(HttpResponse<?> r) {
    return r.headers().map().entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> String.join(",", e.getValue())));
  }

  @Override
  public void close() {
    server.close();
    meter.close();
  }
}
