package dev.tokenmeter.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Serves the embedded dashboard: the static files under {@code dev/tokenmeter/server/dashboard/}
 * on the classpath, {@code /} being {@code index.html}. Works offline (everything it needs is in
 * the jar), sends a strict Content-Security-Policy (no inline script, nothing from elsewhere),
 * and asks browsers to revalidate every file with its ETag, so an upgraded jar is picked up at
 * once. Any other path is a 404; it is meant to be mounted last, at {@code /}.
 */
final class DashboardHandler extends Handler.Abstract.NonBlocking {

  static final String RESOURCE_DIR = "dev/tokenmeter/server/dashboard/";

  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none';"
          + " form-action 'self'; frame-ancestors 'none'";

  /** Plain names only: no folders, no dot files, so nothing outside the dashboard is reachable. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*\\.(html|js|css|svg)");

  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html;charset=utf-8",
          "js", "text/javascript;charset=utf-8",
          "css", "text/css;charset=utf-8",
          "svg", "image/svg+xml;charset=utf-8");

  private static final HttpField CSP =
      new PreEncodedHttpField("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  private static final HttpField NO_SNIFF =
      new PreEncodedHttpField("X-Content-Type-Options", "nosniff");
  private static final HttpField NO_FRAMES = new PreEncodedHttpField("X-Frame-Options", "DENY");
  private static final HttpField NO_REFERRER =
      new PreEncodedHttpField("Referrer-Policy", "no-referrer");
  private static final HttpField REVALIDATE =
      new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "no-cache");
  private static final HttpField NO_STORE =
      new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "no-store");

  private static final Asset MISSING = new Asset(null, null, null);

  private final ClassLoader loader;
  private final Map<String, Asset> assets = new ConcurrentHashMap<>();

  DashboardHandler() {
    this(DashboardHandler.class.getClassLoader());
  }

  DashboardHandler(ClassLoader loader) {
    this.loader = loader;
  }

  /**
   * The server's whole handler tree: {@code /api/*}, {@code /metrics} and {@code /healthz} go to
   * {@code api}, everything else to a dashboard handler (which answers 404 for what it lacks).
   */
  static Handler withApi(Handler api) {
    DashboardHandler dashboard = new DashboardHandler();
    // A Sequence so that both are started and stopped with the server; each request goes to one.
    return new Handler.Sequence(api, dashboard) {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI().getCanonicalPath();
        boolean toApi =
            path != null
                && (path.equals("/api") || path.startsWith("/api/") || path.equals("/metrics")
                    || path.equals("/healthz"));
        return (toApi ? api : dashboard).handle(request, response, callback);
      }
    };
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    String name = "/".equals(path) || path.isEmpty() ? "index.html" : path.substring(1);
    Asset asset = NAME.matcher(name).matches() ? assets.computeIfAbsent(name, this::load) : MISSING;

    HttpFields.Mutable headers = response.getHeaders();
    headers.put(CSP);
    headers.put(NO_SNIFF);
    headers.put(NO_FRAMES);
    headers.put(NO_REFERRER);

    if (asset == MISSING) {
      return plain(response, callback, HttpStatus.NOT_FOUND_404, "not found: " + path + "\n");
    }
    String method = request.getMethod();
    boolean head = HttpMethod.HEAD.is(method);
    if (!head && !HttpMethod.GET.is(method)) {
      headers.put(HttpHeader.ALLOW, "GET, HEAD");
      return plain(
          response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, method + " is not allowed here\n");
    }

    headers.put(REVALIDATE);
    headers.put(HttpHeader.ETAG, asset.etag);
    String ifNoneMatch = request.getHeaders().get(HttpHeader.IF_NONE_MATCH);
    if (ifNoneMatch != null && etagMatches(ifNoneMatch, asset.etag)) {
      response.setStatus(HttpStatus.NOT_MODIFIED_304);
      callback.succeeded();
      return true;
    }
    response.setStatus(HttpStatus.OK_200);
    headers.put(HttpHeader.CONTENT_TYPE, asset.contentType);
    headers.put(HttpHeader.CONTENT_LENGTH, asset.bytes.length);
    if (head) {
      callback.succeeded();
    } else {
      response.write(true, ByteBuffer.wrap(asset.bytes).asReadOnlyBuffer(), callback);
    }
    return true;
  }

  private static boolean plain(Response response, Callback callback, int status, String text) {
    response.setStatus(status);
    response.getHeaders().put(NO_STORE);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
    response.write(true, StandardCharsets.UTF_8.encode(text), callback);
    return true;
  }

  private static boolean etagMatches(String ifNoneMatch, String etag) {
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.strip();
      if (c.equals("*") || c.equals(etag) || c.equals("W/" + etag)) {
        return true;
      }
    }
    return false;
  }

  private Asset load(String name) {
    try (InputStream in = loader.getResourceAsStream(RESOURCE_DIR + name)) {
      if (in == null) {
        return MISSING;
      }
      byte[] bytes = in.readAllBytes();
      String ext = name.substring(name.lastIndexOf('.') + 1);
      return new Asset(bytes, TYPES.get(ext), etag(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read dashboard file " + RESOURCE_DIR + name, e);
    }
  }

  private static String etag(byte[] bytes) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
      return "\"" + HexFormat.of().formatHex(d, 0, 12) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  private static final class Asset {
    final byte[] bytes;
    final String contentType;
    final String etag;

    Asset(byte[] bytes, String contentType, String etag) {
      this.bytes = bytes;
      this.contentType = contentType;
      this.etag = etag;
    }
  }
}
