package dev.tokenmeter.reliability;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.server.TokenMeterServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real server for a meter on a free loopback port, and a client for it. */
final class Loopback implements AutoCloseable {

  static final String TOKEN = "reliability-token";

  final TokenMeter meter;
  final TokenMeterServer server;
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  Loopback(TokenMeter meter) throws Exception {
    this.meter = meter;
    this.server = TokenMeterServer.builder(meter).port(0).apiToken(TOKEN)
        .heartbeat(Duration.ofMillis(200)) // an event-stream reader never waits long for a byte
        .shutdownIdleTimeout(Duration.ofMillis(100)).build().start();
  }

  URI uri(String path) {
    return server.uri().resolve(path);
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + TOKEN)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The value of the first sample of {@code name} whose labels contain every fragment; NaN when none. */
  double metric(String name, String... fragments) throws IOException, InterruptedException {
    return metricIn(get("/metrics").body(), name, fragments);
  }

  static double metricIn(String text, String name, String... fragments) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(text);
    outer:
    while (m.find()) {
      String labels = m.group(1) == null ? "" : m.group(1);
      for (String f : fragments) {
        if (!labels.contains(f)) {
          continue outer;
        }
      }
      return Double.parseDouble(m.group(2));
    }
    return Double.NaN;
  }

  @Override
  public void close() {
    server.close();
    meter.close();
  }
}
