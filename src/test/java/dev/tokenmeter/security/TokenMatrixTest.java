package dev.tokenmeter.security;

import static dev.tokenmeter.security.SecHarness.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.budget.PauseSource;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every mutating endpoint, with every kind of wrong Authorization header: 401 with
 * WWW-Authenticate and no change to any run or metric; the right token changes what it should.
 */
class TokenMatrixTest {

  /** One mutating route: how to prepare the victim run, the request, and how to see it took effect. */
  record Route(String method, String path, String body, Consumer<SecHarness> setup, Check changed) {}

  interface Check {
    boolean holds(SecHarness h) throws Exception;
  }

  /** Every POST and PUT route of ApiHandler; {@link #everyMutatingRouteOfTheRouterIsInTheTable} keeps it complete. */
  static final List<Route> MUTATING =
      List.of(
          new Route("POST", "/api/v1/usage", SecHarness.usageBody("victim"), h -> {},
              h -> h.meter.status("victim").isPresent()),
          new Route("POST", "/api/v1/alerts", SecHarness.alertBody("victim"), h -> h.seed("victim"),
              h -> h.gate("victim").equals("paused")),
          new Route("POST", "/api/v1/runs/victim/pause", "{\"reason\":\"test\"}", h -> h.seed("victim"),
              h -> h.gate("victim").equals("paused")),
          new Route("POST", "/api/v1/runs/victim/resume", "{\"override\":true}",
              h -> {
                h.seed("victim");
                h.meter.pause("victim", PauseSource.MANUAL, "setup", "test");
              },
              h -> h.gate("victim").equals("open")),
          new Route("PUT", "/api/v1/runs/victim/budget", "{\"budgetUsd\":\"7.00\"}", h -> h.seed("victim"),
              h -> h.meter.status("victim").orElseThrow().budgetUsd().compareTo(new java.math.BigDecimal("7")) == 0));

  /** Authorization header values that must all be refused; null: no header at all. */
  static Map<String, String> wrongHeaders() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("no Authorization header", null);
    m.put("empty header", "");
    m.put("scheme only", "Bearer");
    m.put("wrong scheme (Basic)", "Basic " + Base64.getEncoder().encodeToString(("user:" + TOKEN).getBytes(StandardCharsets.UTF_8)));
    m.put("wrong scheme (Token)", "Token " + TOKEN);
    m.put("token without scheme", TOKEN);
    m.put("wrong token, same length", "Bearer " + "x".repeat(TOKEN.length()));
    m.put("right token but last char", "Bearer " + TOKEN.substring(0, TOKEN.length() - 1) + "Q");
    m.put("shorter token (a prefix)", "Bearer " + TOKEN.substring(0, TOKEN.length() - 1));
    m.put("longer token (token + x)", "Bearer " + TOKEN + "x");
    m.put("token with whitespace inside", "Bearer " + TOKEN.substring(0, 5) + " " + TOKEN.substring(5));
    m.put("token twice", "Bearer " + TOKEN + " " + TOKEN);
    m.put("token in another case", "Bearer " + TOKEN.toUpperCase(java.util.Locale.ROOT));
    return m;
  }

  /**
   * Accepted: the scheme is case-insensitive and whitespace around the token is not part of it
   * (RFC 9110 section 11.4 and 5.5: "Bearer" 1*SP token; field values lose surrounding OWS).
   */
  static final List<String> RIGHT = List.of("Bearer " + TOKEN, "bearer " + TOKEN, "Bearer   " + TOKEN + "  ");

  @Test
  void everyWrongHeaderOnEveryMutatingRouteIs401AndChangesNothing(@TempDir Path dir) throws Exception {
    int checked = 0;
    for (Route r : MUTATING) {
      try (SecHarness h = new SecHarness(dir.resolve("s" + checked))) {
        r.setup().accept(h);
        String before = h.observableState();
        for (Map.Entry<String, String> w : wrongHeaders().entrySet()) {
          HttpResponse<String> resp = h.send(r.method(), r.path(), r.body(), w.getValue());
          String what = r.method() + " " + r.path() + " with " + w.getKey();
          assertThat(resp.statusCode()).as(what).isEqualTo(401);
          assertThat(resp.headers().firstValue("WWW-Authenticate")).as(what).hasValue("Bearer realm=\"tokenmeter\"");
          assertThat(resp.body()).as(what).doesNotContain(TOKEN);
          assertThat(h.observableState()).as(what + ": nothing changed").isEqualTo(before);
          assertThat(r.changed().holds(h)).as(what + ": not applied").isFalse();
          checked++;
        }
      }
    }
    assertThat(checked).isEqualTo(MUTATING.size() * wrongHeaders().size());
  }

  @Test
  void theRightTokenIsAcceptedOnEveryMutatingRoute(@TempDir Path dir) throws Exception {
    int i = 0;
    for (Route r : MUTATING) {
      for (String right : RIGHT) {
        try (SecHarness h = new SecHarness(dir.resolve("s" + i++))) {
          r.setup().accept(h);
          String before = h.observableState();
          HttpResponse<String> resp = h.send(r.method(), r.path(), r.body(), right);
          String what = r.method() + " " + r.path() + " with [" + right.replace(TOKEN, "<token>") + "]";
          assertThat(resp.statusCode()).as(what + ": " + resp.body()).isEqualTo(200);
          assertThat(r.changed().holds(h)).as(what + ": applied").isTrue();
          assertThat(h.observableState()).as(what).isNotEqualTo(before);
        }
      }
    }
  }

  /**
   * A 401 sent before the body arrived: Jetty closes the connection, so the response must say
   * {@code Connection: close}, or a pooling client sends its next request (with the right token)
   * into a closed socket ("header parser received no bytes"). Found by SecretsTest, flakily.
   */
  @Test
  void aRefusalBeforeTheBodyArrivedClosesTheConnectionAndSaysSo(@TempDir Path dir) throws Exception {
    try (SecHarness h = new SecHarness(dir)) {
      String body = SecHarness.usageBody("r1");
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", h.server.port())) {
        s.setSoTimeout(3000);
        java.io.OutputStream out = s.getOutputStream();
        out.write(("POST /api/v1/usage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + body.length() + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        Thread.sleep(100); // the body comes later, as the JDK client sends it
        try {
          out.write(body.getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        } catch (java.io.IOException e) {
          // already closed
        }
        s.setSoTimeout(1000);
        java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
        try {
          s.getInputStream().transferTo(read);
        } catch (java.net.SocketTimeoutException e) {
          // kept open: the header check below says whether it should have been
        }
        String got = read.toString(StandardCharsets.ISO_8859_1);
        assertThat(got).startsWith("HTTP/1.1 401");
        assertThat(got.toLowerCase(java.util.Locale.ROOT)).contains("connection: close");
      }
      // And the JDK client, which pools connections, gets through right after a refusal, every time.
      for (int i = 0; i < 30; i++) {
        assertThat(h.send("POST", "/api/v1/usage", body, "Bearer wrong").statusCode()).isEqualTo(401);
        assertThat(h.authorized("POST", "/api/v1/usage", body).statusCode()).isEqualTo(200);
      }
    }
  }

  /** Other methods on every path: never a change without the token (405, 404 or 401). */
  @Test
  void otherMethodsAndPathsWithoutATokenChangeNothing(@TempDir Path dir) throws Exception {
    try (SecHarness h = new SecHarness(dir)) {
      h.seed("victim");
      h.meter.pause("victim", PauseSource.MANUAL, "setup", "test");
      String before = h.observableState();
      List<String> paths =
          List.of("/", "/healthz", "/metrics", "/api/v1/usage", "/api/v1/alerts", "/api/v1/events", "/api/v1/runs",
              "/api/v1/runs/victim", "/api/v1/runs/victim/gate", "/api/v1/runs/victim/pause",
              "/api/v1/runs/victim/resume", "/api/v1/runs/victim/budget", "/api/v1/runs/victim/unknown");
      for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
        for (String path : paths) {
          HttpResponse<String> resp = h.send(method, path, "{\"override\":true,\"budgetUsd\":\"9\"}", null);
          assertThat(resp.statusCode()).as(method + " " + path).isIn(401, 404, 405);
          assertThat(h.observableState()).as(method + " " + path).isEqualTo(before);
        }
      }
    }
  }

  /**
   * The table above must name every route the router guards with POST or PUT: adding a mutating
   * route to ApiHandler without adding it here fails this test.
   */
  @Test
  void everyMutatingRouteOfTheRouterIsInTheTable() throws Exception {
    String src = Files.readString(Path.of("src/main/java/dev/tokenmeter/server/ApiHandler.java"));
    Matcher m = Pattern.compile("allow\\(method, \"(POST|PUT|PATCH|DELETE)\"\\)").matcher(src);
    int routes = 0;
    while (m.find()) {
      routes++;
    }
    assertThat(routes).as("mutating routes in ApiHandler").isEqualTo(MUTATING.size());
    // and each of those routes calls authorize(...) before reading its body
    Matcher a = Pattern.compile("allow\\(method, \"(POST|PUT)\"\\);\\s*(authorize\\(req\\)|usage\\()").matcher(src);
    int guarded = 0;
    while (a.find()) {
      guarded++;
    }
    assertThat(guarded).as("mutating routes followed by authorize(req) (or usage(), which authorizes first)").isEqualTo(routes);
    assertThat(src).contains("private void usage(Request req, Response resp, Callback cb) throws IOException {\n    authorize(req);");
  }
}
