package dev.tokenmeter.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.usage.TokenCounts;
import dev.tokenmeter.usage.UsageEvent;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the body of {@code POST /api/v1/usage}: one JSON object, an array of them, or NDJSON
 * (declared by {@code application/x-ndjson}, or recognised by a second value after the first).
 * Every element is checked completely, so that a bad request can list all its problems at once
 * and apply nothing.
 */
final class UsageParser {

  /** Listing more than this many problems helps nobody. */
  static final int MAX_ERRORS = 200;

  private static final Set<String> STRINGS =
      Set.of("run", "session", "subagent", "model", "provider", "idempotencyKey", "timestamp");
  private static final List<String> COUNTS =
      List.of("inputTokens", "outputTokens", "cacheReadTokens", "cacheWrite5mTokens", "cacheWrite1hTokens");
  private static final String KNOWN =
      "run, session, subagent, model, provider, inputTokens, outputTokens, cacheReadTokens, "
          + "cacheWrite5mTokens, cacheWrite1hTokens, timestamp, idempotencyKey";

  private final List<UsageEvent> events = new ArrayList<>();
  private final ArrayNode errors = Json.MAPPER.createArrayNode();
  private int errorCount;

  private UsageParser() {}

  /**
   * Parses and validates the whole body.
   *
   * @throws HttpError 400 with {@code errors} listing every bad element and field
   */
  static List<UsageEvent> parse(String body, boolean ndjson) {
    UsageParser p = new UsageParser();
    if (ndjson || p.hasSecondValue(body)) {
      p.parseLines(body);
    } else {
      p.parseDocument(body);
    }
    if (p.errorCount > 0) {
      ObjectNode b = Json.object();
      b.set("errors", p.errors);
      if (p.errorCount > MAX_ERRORS) {
        b.put("truncated", p.errorCount - MAX_ERRORS);
      }
      throw new HttpError(400, b);
    }
    if (p.events.isEmpty()) {
      throw HttpError.of(400, "no usage events in the request body");
    }
    return List.copyOf(p.events);
  }

  /** True when a first JSON value parses and something follows it: NDJSON without the header. */
  private boolean hasSecondValue(String body) {
    try (JsonParser jp = Json.MAPPER.getFactory().createParser(body)) {
      if (jp.nextToken() == null) {
        return false;
      }
      jp.skipChildren();
      return jp.nextToken() != null;
    } catch (JsonProcessingException e) {
      // Either the first value is broken (reported as a document error) or what follows it is
      // (a broken NDJSON line): only the line view can tell which line.
      return body.strip().contains("\n");
    } catch (IOException e) {
      return false;
    }
  }

  private void parseDocument(String body) {
    JsonNode root;
    try {
      root = Json.readTree(body);
    } catch (JsonProcessingException e) {
      error(null, null, null, "malformed JSON: " + Json.describe(e));
      return;
    }
    if (root == null || root.isMissingNode()) {
      error(null, null, null, "the request body is empty");
    } else if (root.isArray()) {
      for (int i = 0; i < root.size(); i++) {
        element(root.get(i), "index", i);
      }
    } else {
      element(root, null, 0);
    }
  }

  private void parseLines(String body) {
    String[] lines = body.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      JsonNode n;
      try {
        n = Json.readTree(line);
      } catch (JsonProcessingException e) {
        error("line", i + 1, null, "malformed JSON: " + e.getOriginalMessage());
        continue;
      }
      if (n != null) {
        element(n, "line", i + 1);
      }
    }
  }

  private void element(JsonNode n, String where, int at) {
    if (!n.isObject()) {
      error(where, at, null, "must be a JSON object with the fields of a usage event, got " + n.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
      return;
    }
    int before = errorCount;
    UsageEvent.Builder b = UsageEvent.builder();
    long[] counts = new long[COUNTS.size()];
    for (Map.Entry<String, JsonNode> f : n.properties()) {
      String name = f.getKey();
      JsonNode v = f.getValue();
      int count = COUNTS.indexOf(name);
      if (count >= 0) {
        Long c = count(v);
        if (c == null) {
          error(where, at, name, "must be a non-negative integer, got " + v);
        } else if (c > TokenCounts.MAX_PER_EVENT) {
          error(where, at, name, "must be at most " + TokenCounts.MAX_PER_EVENT + " tokens in one event, got " + v);
        } else {
          counts[count] = c;
        }
      } else if (STRINGS.contains(name)) {
        if (v.isNull()) {
          continue;
        }
        if (!v.isTextual()) {
          error(where, at, name, "must be a string, got " + v);
          continue;
        }
        String s = v.textValue();
        // A blank run is reported as missing below; an empty session is no session.
        if ((name.equals("run") ? !s.isBlank() : name.equals("session") && !s.isEmpty()) && RunIds.problem(s) != null) {
          error(where, at, name, "invalid id: " + RunIds.problem(s));
          continue;
        }
        switch (name) {
          case "run":
            b.run(s);
            break;
          case "session":
            b.session(s);
            break;
          case "subagent":
            b.subagent(s);
            break;
          case "model":
            b.model(s);
            break;
          case "provider":
            b.provider(s);
            break;
          case "idempotencyKey":
            b.idempotencyKey(s);
            break;
          default:
            try {
              b.timestamp(Instant.parse(s));
            } catch (DateTimeParseException e) {
              error(where, at, name, "must be an ISO-8601 instant like 2026-01-31T12:00:00Z, got \"" + s + "\"");
            }
        }
      } else {
        error(where, at, name, "unknown field; known fields: " + KNOWN);
      }
    }
    requireText(n, "run", where, at);
    requireText(n, "model", where, at);
    if (errorCount > before) {
      return;
    }
    events.add(
        b.inputTokens(counts[0])
            .outputTokens(counts[1])
            .cacheReadTokens(counts[2])
            .cacheWrite5mTokens(counts[3])
            .cacheWrite1hTokens(counts[4])
            .build());
  }

  private void requireText(JsonNode n, String field, String where, int at) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      error(where, at, field, "is required");
    } else if (v.isTextual() && v.textValue().isBlank()) {
      error(where, at, field, "must not be empty");
    }
  }

  /** A JSON integer in 0..Long.MAX_VALUE; 1.5, 1e3 (a decimal here) and "12" are not. */
  private static Long count(JsonNode v) {
    if (!v.isIntegralNumber()) {
      return null;
    }
    BigInteger i = v.bigIntegerValue();
    if (i.signum() < 0 || i.bitLength() > 63) {
      return null;
    }
    return i.longValue();
  }

  private void error(String where, Integer at, String field, String message) {
    errorCount++;
    if (errorCount > MAX_ERRORS) {
      return;
    }
    ObjectNode e = errors.addObject();
    if (where != null) {
      e.put(where, at);
    }
    if (field != null) {
      e.put("field", field);
    }
    e.put("message", message);
  }

  static boolean isNdjson(String contentType) {
    return contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-ndjson");
  }
}
