package dev.tokenmeter.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.Prices;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** A real meter and server on a free port, and an HTTP client for it. */
final class Harness implements AutoCloseable {

  static final PriceBook BOOK =
      PriceBook.of(
          List.of(
              ModelPrice.builder("claude-sonnet-4-5")
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

  final TokenMeter meter;
  final TokenMeterServer server;
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final String token;

  Harness(String token) throws Exception {
    this.token = token;
    this.meter =
        TokenMeter.builder().priceBook(BOOK).defaultRunBudget(new BigDecimal("1.00")).sweepInterval(Duration.ZERO).build();
    this.server =
        TokenMeterServer.builder(meter)
            .port(0)
            .apiToken(token)
            .maxBodyBytes(64 * 1024)
            .heartbeat(Duration.ofMillis(200))
            .eventBufferSize(16)
            .shutdownIdleTimeout(Duration.ofMillis(100)) // test clients keep connections open
            .build()
            .start();
  }

  URI uri(String path) {
    return server.uri().resolve(path);
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path, String accept) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri(path)).header("Accept", accept).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
    return send(method, path, body, "application/json", token);
  }

  HttpResponse<String> send(String method, String path, String body, String contentType, String bearer)
      throws IOException, InterruptedException {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", contentType);
    if (bearer != null) {
      r.header("Authorization", "Bearer " + bearer);
    }
    return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    return send("POST", path, body);
  }

  static JsonNode json(HttpResponse<String> r) throws IOException {
    return Json.MAPPER.readTree(r.body());
  }

  /** Everything the API shows about runs: to compare before and after a refused request. */
  String allRuns() throws IOException, InterruptedException {
    JsonNode runs = json(get("/api/v1/runs"));
    for (JsonNode r : runs.get("runs")) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) r).remove("burnRateUsdPerMinute");
    }
    return runs.toString();
  }

  @Override
  public void close() {
    server.close();
    meter.close();
  }
}
