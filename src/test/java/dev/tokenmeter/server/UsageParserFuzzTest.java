package dev.tokenmeter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.fuzz.Bounded;
import dev.tokenmeter.fuzz.Mutator;
import dev.tokenmeter.usage.UsageEvent;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzing of {@code POST /api/v1/usage} (docs/reliability.md): the parser alone, and the
 * real endpoint on a real server. A body is a JSON object, an array or NDJSON of real-looking
 * events with structural mutations, then mutated again as a whole; or noise.
 */
class UsageParserFuzzTest {

  /** Valid events with every field, the seeds of the mutations. */
  static final List<String> SEEDS = List.of(
      "{\"run\":\"r1\",\"model\":\"claude-sonnet-4-5\",\"inputTokens\":1200,\"outputTokens\":300}",
      "{\"run\":\"01KH507H054PWCPV0ZM3AAMM5J\",\"session\":\"s1\",\"subagent\":\"planner\","
          + "\"model\":\"claude-sonnet-4-5-20250929\",\"provider\":\"anthropic\",\"inputTokens\":3,"
          + "\"outputTokens\":1500,\"cacheReadTokens\":22000,\"cacheWrite5mTokens\":4000,"
          + "\"cacheWrite1hTokens\":0,\"timestamp\":\"2026-02-16T18:46:55.028Z\",\"idempotencyKey\":\"k-1\"}",
      "{\"run\":\"r2\",\"model\":\"gpt-5\",\"provider\":\"openai\",\"inputTokens\":0,\"outputTokens\":0,"
          + "\"cacheReadTokens\":1000000000,\"idempotencyKey\":\"k-2\"}",
      "{\"run\":\"r3\",\"session\":null,\"model\":\"unknown-model\",\"subagent\":\"\",\"cacheWrite1hTokens\":7}");

  enum Format { OBJECT, ARRAY, NDJSON, NDJSON_UNDECLARED, NDJSON_CRLF }

  record Body(String text, boolean ndjson) {
    @Override
    public String toString() {
      return (ndjson ? "ndjson " : "") + text.substring(0, Math.min(text.length(), 2000));
    }
  }

  static Harness http;

  @BeforeContainer
  static void start() throws Exception {
    http = new Harness("fuzz-token");
  }

  @AfterContainer
  static void stop() {
    http.close();
    System.out.println(Bounded.report("usage"));
  }

  @Provide
  Arbitrary<Body> bodies() {
    Arbitrary<String> element = Combinators.combine(Arbitraries.of(SEEDS), Mutator.mutations().injectNull(0.2))
        .as((s, m) -> m == null ? s : Mutator.apply(s, m));
    Arbitrary<Body> structured = Combinators.combine(
            Arbitraries.of(Format.class), element.list().ofMinSize(1).ofMaxSize(4), Mutator.mutations().injectNull(0.7))
        .as((f, elements, whole) -> {
          Body b = body(f, elements);
          return whole == null ? b : new Body(Mutator.apply(b.text, whole), b.ndjson);
        });
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(8, structured),
        net.jqwik.api.Tuple.of(1, Mutator.jsonish().map(s -> new Body(s, false))),
        net.jqwik.api.Tuple.of(1, Combinators.combine(Mutator.noise(), Arbitraries.of(true, false))
            .as((n, nd) -> new Body(new String(n, StandardCharsets.UTF_8), nd))));
  }

  static Body body(Format f, List<String> elements) {
    switch (f) {
      case OBJECT:
        return new Body(elements.get(0), false);
      case ARRAY:
        return new Body("[" + String.join(",", elements) + "]", false);
      case NDJSON:
        return new Body(String.join("\n", elements) + "\n", true);
      case NDJSON_UNDECLARED:
        return new Body(String.join("\n", elements), false);
      default:
        return new Body(String.join("\r\n", elements) + "\r\n", true);
    }
  }

  /** Parsed events, or a 400 whose every error names its problem; nothing else, and quickly. */
  @Property
  void parsesOrRejectsWithNamedProblems(@ForAll("bodies") Body body) throws Exception {
    List<UsageEvent> events;
    try {
      events = Bounded.call(() -> UsageParser.parse(body.text, body.ndjson));
    } catch (HttpError e) {
      assertThat(e.status).isEqualTo(400);
      assertNamesProblems(e.body);
      return;
    }
    assertThat(events).isNotEmpty();
    for (UsageEvent e : events) {
      assertThat(e.run()).isNotBlank();
      assertThat(e.model()).isNotBlank();
    }
  }

  /** A refused body changes nothing the API or the metrics show, and marks no key as seen. */
  @Property
  void rejectedRequestChangesNothing(@ForAll("bodies") Body body) throws Exception {
    String runsBefore = http.allRuns();
    String metricsBefore = metrics();
    long rejectedBefore = http.meter.stats().rejectedEvents();
    Map<String, Boolean> seenBefore = new HashMap<>();
    Matcher keys = Pattern.compile("\"idempotencyKey\"\\s*:\\s*\"([^\"\\\\]+)\"").matcher(body.text);
    while (keys.find()) {
      seenBefore.put(keys.group(1), http.meter.seen(keys.group(1)));
    }
    HttpResponse<String> r = Bounded.call(() -> http.send("POST", "/api/v1/usage", body.text,
        body.ndjson ? "application/x-ndjson" : "application/json", http.token));
    assertThat(r.statusCode()).as(r.body()).isIn(200, 400, 413);
    if (r.statusCode() == 200) {
      return;
    }
    assertNamesProblems((com.fasterxml.jackson.databind.node.ObjectNode) Harness.json(r));
    assertThat(http.allRuns()).isEqualTo(runsBefore);
    assertThat(metrics()).isEqualTo(metricsBefore);
    if (r.statusCode() == 400) {
      assertThat(http.meter.stats().rejectedEvents()).isEqualTo(rejectedBefore + 1);
    }
    seenBefore.forEach((key, seen) ->
        assertThat(http.meter.seen(key)).as("key %s of a refused body", key).isEqualTo(seen));
  }

  /** Every real-looking body cut at every position: parsed or refused with named problems. */
  @Example
  void everyTruncationIsParsedOrRejected() throws Exception {
    for (Format f : Format.values()) {
      String whole = body(f, SEEDS).text;
      for (int i = 0; i <= whole.length(); i++) {
        parsesOrRejectsWithNamedProblems(new Body(whole.substring(0, i), f == Format.NDJSON));
      }
    }
  }

  /** /metrics without the counter a refusal is meant to move, and without the JVM's own series. */
  static String metrics() throws Exception {
    return metricsOf(http);
  }

  static String metricsOf(Harness h) throws Exception {
    List<String> keep = new ArrayList<>();
    for (String line : h.get("/metrics").body().split("\n")) {
      if (line.startsWith("tokenmeter_") && !line.startsWith("tokenmeter_rejected_events")
          && !line.startsWith("tokenmeter_webhook_requests")) {
        keep.add(line);
      }
    }
    return String.join("\n", keep);
  }

  static void assertNamesProblems(com.fasterxml.jackson.databind.node.ObjectNode body) {
    JsonNode errors = body.get("errors");
    if (errors == null) {
      assertThat(body.path("error").asText()).as(body.toString()).isNotBlank();
      return;
    }
    assertThat(errors.isArray() && errors.size() > 0).as(body.toString()).isTrue();
    for (JsonNode e : errors) {
      String message = e.path("message").asText();
      assertThat(message).as(body.toString()).isNotBlank();
      // A body of one value that is not an event is the whole document's problem: no place to name.
      boolean located = e.has("line") || e.has("index") || e.has("field")
          || message.contains("(line ") || message.contains("empty")
          || message.startsWith("must be a JSON object with the fields of a usage event");
      assertThat(located).as("error names no line, index or field: %s", e).isTrue();
    }
  }

  // ---------------------------------------------------------------- regressions found by fuzzing

  /** Found by fuzzing: Jackson's nesting-depth limit comes without a location; the 400 named none. */
  @Example
  void arrayNested1001Deep_isRefusedWithItsLine() {
    String body = "[" + "[".repeat(1000) + "]".repeat(1001);
    try {
      UsageParser.parse(body, false);
      throw new AssertionError("accepted");
    } catch (HttpError e) {
      String message = e.body.path("errors").path(0).path("message").asText();
      assertThat(message).startsWith("malformed JSON: Document nesting depth (1001) exceeds")
          .endsWith("(line 1, column 1002)");
    }
  }

  /** Found by fuzzing: Jackson's unchecked NumberFormatException for this number was a 500. */
  @Example
  void countWithExponent9999999999_isA400NamingTheLine() throws Exception {
    String body = "{\"run\":\"r\",\"model\":\"m\",\n\"inputTokens\":2.5e9999999999}";
    HttpResponse<String> r = http.post("/api/v1/usage", body);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(Harness.json(r).path("errors").path(0).path("message").asText())
        .startsWith("malformed JSON: number out of range").endsWith("(line 2, column 29)");
    rejectedRequestChangesNothing(new Body(body, false));
    rejectedRequestChangesNothing(new Body(body.replace("\n", "") + "\n" + SEEDS.get(0), true));
  }

  /**
   * Found by fuzzing: two accepted events of 2^63 - 1 cache reads overflowed the run's counter,
   * and from then on GET /api/v1/runs answered 500 for every run (TokenCounts refuses negatives).
   */
  @Example
  void cacheReadTokens9223372036854775807Twice_isRefusedAndRunsStayReadable() throws Exception {
    String body = "{\"run\":\"overflow\",\"model\":\"m\",\"cacheReadTokens\":9223372036854775807}";
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = http.post("/api/v1/usage", body);
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("must be at most 1000000000 tokens in one event, got 9223372036854775807");
    }
    assertThat(http.get("/api/v1/runs").statusCode()).isEqualTo(200);
    rejectedRequestChangesNothing(new Body(body, false));
  }
}
