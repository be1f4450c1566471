package dev.tokenmeter.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dashboard's files over real HTTP: types, caching, the security policy, and 404s. */
class DashboardHandlerTest {

  /** Every file of the dashboard; a new one is added here and to the handler's allowed names. */
  static final List<String> FILES =
      List.of(
          "index.html", "app.css", "app.js", "api.js", "live.js", "dom.js", "format.js",
          "parts.js", "chart.js", "runs-view.js", "run-view.js", "favicon.svg");

  private static Server server;
  private static URI base;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    server = new Server();
    ServerConnector c = new ServerConnector(server);
    c.setHost("127.0.0.1");
    c.setPort(0);
    server.addConnector(c);
    server.setHandler(new DashboardHandler());
    server.start();
    base = URI.create("http://127.0.0.1:" + c.getLocalPort() + "/");
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop();
  }

  private static HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String resource(String name) throws IOException {
    try (InputStream in =
        DashboardHandler.class.getClassLoader().getResourceAsStream(DashboardHandler.RESOURCE_DIR + name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void rootIsTheIndexWithAStrictPolicy() throws Exception {
    HttpResponse<String> r = get("");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html;charset=utf-8");
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
    assertThat(r.headers().firstValue("ETag")).isPresent();
    assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertThat(csp).startsWith("default-src 'self';").contains("script-src 'self';", "object-src 'none'", "frame-ancestors 'none'");
    assertThat(csp).doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:", "*");
    assertThat(r.body()).contains("<script type=\"module\" src=\"app.js\"></script>");
  }

  @Test
  void everyFileIsServedWithItsType() throws Exception {
    for (String f : FILES) {
      HttpResponse<String> r = get(f);
      assertThat(r.statusCode()).as(f).isEqualTo(200);
      String type = r.headers().firstValue("Content-Type").orElseThrow();
      String want =
          f.endsWith(".js") ? "text/javascript;charset=utf-8"
              : f.endsWith(".css") ? "text/css;charset=utf-8"
              : f.endsWith(".svg") ? "image/svg+xml;charset=utf-8"
              : "text/html;charset=utf-8";
      assertThat(type).as(f).isEqualTo(want);
      assertThat(r.body()).as(f).isEqualTo(resource(f));
    }
  }

  @Test
  void anUnchangedFileIsNotSentAgain() throws Exception {
    String etag = get("app.js").headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> r = get("app.js", "If-None-Match", etag);
    assertThat(r.statusCode()).isEqualTo(304);
    assertThat(r.body()).isEmpty();
    assertThat(get("app.js", "If-None-Match", "\"other\"").statusCode()).isEqualTo(200);
  }

  @Test
  void anythingElseIs404() throws Exception {
    for (String p : List.of("nope.js", "api/v1/runs", "dashboard/index.html", "..%2fpom.xml",
        "%2e%2e/%2e%2e/pom.xml", ".hidden.js", "App.js", "index.html/", "favicon.ico",
        "dev/tokenmeter/server/DashboardHandler.class")) {
      HttpResponse<String> r = get(p);
      // Jetty itself refuses ambiguous paths (encoded dot segments) with 400 before any handler.
      assertThat(r.statusCode()).as(p).isIn(400, 404);
      if (r.statusCode() == 404) {
        assertThat(r.headers().firstValue("Content-Security-Policy")).as(p).isPresent();
      }
    }
  }

  @Test
  void onlyGetAndHead() throws Exception {
    HttpResponse<String> head =
        http.send(HttpRequest.newBuilder(base).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    HttpResponse<String> post =
        http.send(HttpRequest.newBuilder(base).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }

  /** Mounted with the API: the API keeps its paths, the dashboard gets the rest. */
  @Test
  void mountedBesideTheApi() throws Exception {
    Server both = new Server();
    ServerConnector c = new ServerConnector(both);
    c.setHost("127.0.0.1");
    c.setPort(0);
    both.addConnector(c);
    Handler api =
        new Handler.Abstract.NonBlocking() {
          @Override
          public boolean handle(Request req, Response res, Callback cb) {
            res.setStatus(200);
            Content.Sink.write(res, true, "api " + req.getHttpURI().getPath(), cb);
            return true;
          }
        };
    both.setHandler(DashboardHandler.withApi(api));
    both.start();
    try {
      URI b = URI.create("http://127.0.0.1:" + c.getLocalPort() + "/");
      for (String p : List.of("api/v1/runs", "api/v1/runs/r%201/pause", "metrics", "healthz")) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(b.resolve(p)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).as(p).isEqualTo("api /" + p);
      }
      HttpResponse<String> index = http.send(HttpRequest.newBuilder(b).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(index.body()).isEqualTo(resource("index.html"));
      HttpResponse<String> js = http.send(HttpRequest.newBuilder(b.resolve("app.js")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(js.body()).isEqualTo(resource("app.js"));
      HttpResponse<String> other = http.send(HttpRequest.newBuilder(b.resolve("nope")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(other.statusCode()).isEqualTo(404);
    } finally {
      both.stop();
    }
  }

  /** Offline and CSP-clean: no inline script or style, no remote address, every import served. */
  @Test
  void filesNeedNothingFromElsewhere() throws Exception {
    String html = resource("index.html");
    assertThat(html).doesNotContainPattern("<script(?![^>]*\\bsrc=)");
    assertThat(html).doesNotContainPattern("\\son[a-z]+=");
    assertThat(html).doesNotContainPattern("\\sstyle=");
    assertThat(html).doesNotContain("<style");
    Set<String> imported = new TreeSet<>();
    Pattern imports = Pattern.compile("from '\\./([a-z0-9-]+\\.js)'");
    for (String f : FILES) {
      String text = resource(f);
      assertThat(text).as(f).doesNotContainPattern("(?i)https?://(?!www\\.w3\\.org/2000/svg)");
      assertThat(text).as(f).doesNotContain("eval(", "new Function(", "innerHTML", "localStorage");
      Matcher m = imports.matcher(text);
      while (m.find()) {
        imported.add(m.group(1));
      }
    }
    assertThat(FILES).containsAll(imported);
  }
}
