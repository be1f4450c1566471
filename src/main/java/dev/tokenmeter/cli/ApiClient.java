package dev.tokenmeter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.server.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** The client commands' view of a tokenmeter server's API. */
final class ApiClient {

  /** A status and its JSON body (an empty object when the body was not JSON). */
  static final class Reply {
    final int status;
    final JsonNode body;

    Reply(int status, JsonNode body) {
      this.status = status;
      this.body = body;
    }

    /** The server's error message, or the status. */
    String error() {
      JsonNode e = body.get("error");
      if (e != null) {
        return e.asText();
      }
      if (body.has("errors")) {
        return body.get("errors").toString();
      }
      return "the server answered HTTP " + status;
    }
  }

  /** The server could not be reached or did not answer in time. */
  static final class Unreachable extends Exception {
    Unreachable(String message) {
      super(message, null, false, false);
    }
  }

  static {
    // HttpURLConnection re-sends a POST by itself when a kept-alive connection fails under it: a
    // resume that raises the budget must not raise it twice. (Streaming the body would also stop
    // that, but then a 401 loses the server's explanation.)
    System.setProperty("sun.net.http.retryPost", "false");
  }

  private static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final int READ_TIMEOUT_MS = 10_000;

  private final URI base;
  private final String token;

  ApiClient(String server, String token) {
    String s = server.endsWith("/") ? server : server + "/";
    this.base = URI.create(s);
    this.token = token;
  }

  static String runPath(String run, String action) {
    String p = "api/v1/runs/" + URLEncoder.encode(run, StandardCharsets.UTF_8).replace("+", "%20");
    return action == null ? p : p + "/" + action;
  }

  Reply get(String path) throws Unreachable {
    return send("GET", path, null);
  }

  /*
   * HttpURLConnection, not java.net.http.HttpClient: these commands run once per hook call, and
   * HttpClient's start (TLS set-up, its thread pool) and exit cost about half a second per call on
   * plain http; this costs a few milliseconds (docs/benchmarks-ingest.md, "Client commands").
   */
  Reply send(String method, String path, ObjectNode body) throws Unreachable {
    HttpURLConnection c = null;
    try {
      c = (HttpURLConnection) base.resolve(path).toURL().openConnection();
      c.setConnectTimeout(CONNECT_TIMEOUT_MS);
      c.setReadTimeout(READ_TIMEOUT_MS);
      c.setRequestMethod(method);
      c.setRequestProperty("Accept", "application/json");
      if (body != null) {
        if (token != null) {
          c.setRequestProperty("Authorization", "Bearer " + token);
        }
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        c.setRequestProperty("Content-Type", "application/json");
        c.setDoOutput(true);
        try (OutputStream out = c.getOutputStream()) {
          out.write(bytes);
        }
      }
      int status = c.getResponseCode();
      InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
      byte[] answer = in == null ? new byte[0] : readAll(in);
      return new Reply(status, parse(answer));
    } catch (IOException | IllegalArgumentException e) {
      throw new Unreachable("cannot reach tokenmeter at " + base + " (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is `tokenmeter serve` running there? Set --server URL.");
    } finally {
      if (c != null) {
        c.disconnect();
      }
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  /** The body as a JSON object, or an empty one when it is not. */
  private static JsonNode parse(byte[] body) {
    JsonNode n;
    try {
      n = body.length == 0 ? null : Json.MAPPER.readTree(body);
    } catch (IOException e) {
      n = null;
    }
    return n == null || !n.isObject() ? Json.object() : n;
  }

  URI base() {
    return base;
  }
}
