package dev.tokenmeter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.server.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The client commands' view of a tokenmeter server's API, over {@link HttpClient}. */
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

  private final URI base;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

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
    return send(HttpRequest.newBuilder(base.resolve(path)).GET());
  }

  Reply send(String method, String path, ObjectNode body) throws Unreachable {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(base.resolve(path))
            .method(method, HttpRequest.BodyPublishers.ofString(Json.write(body)))
            .header("Content-Type", "application/json");
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return send(r);
  }

  private Reply send(HttpRequest.Builder r) throws Unreachable {
    HttpResponse<String> resp;
    try {
      resp = http.send(r.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new Unreachable("cannot reach tokenmeter at " + base + " (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is `tokenmeter serve` running there? Set --server URL.");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreachable("interrupted");
    }
    JsonNode body;
    try {
      body = Json.MAPPER.readTree(resp.body());
    } catch (IOException e) {
      body = null;
    }
    return new Reply(resp.statusCode(), body == null || !body.isObject() ? Json.object() : body);
  }

  URI base() {
    return base;
  }
}
