package dev.tokenmeter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.fuzz.Bounded;
import dev.tokenmeter.fuzz.Mutator;
import dev.tokenmeter.fuzz.Seeds;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzing of the Alertmanager webhook, {@code POST /api/v1/alerts} (docs/reliability.md),
 * from the payloads captured from a real Alertmanager.
 */
class AlertWebhookFuzzTest {

  static final List<String> SEEDS = Seeds.alertPayloads();
  static Harness http;

  @BeforeContainer
  static void start() throws Exception {
    http = new Harness("fuzz-token");
  }

  @AfterContainer
  static void stop() {
    http.close();
    System.out.println(Bounded.report("alerts"));
  }

  /** A captured payload and what the mutations made of it (the seed itself when there are none). */
  record Payload(String seed, String text) {
    @Override
    public String toString() {
      return text.substring(0, Math.min(text.length(), 3000));
    }
  }

  @Provide
  Arbitrary<Payload> payloads() {
    Arbitrary<Payload> mutated = Combinators.combine(Arbitraries.of(SEEDS), Mutator.mutations())
        .as((s, m) -> new Payload(s, Mutator.apply(s, m)));
    return Arbitraries.frequencyOf(
        Tuple.of(9, mutated),
        Tuple.of(1, Combinators.combine(Arbitraries.of(SEEDS), Mutator.jsonish()).as(Payload::new)),
        Tuple.of(1, Combinators.combine(Arbitraries.of(SEEDS), Mutator.noise())
            .as((s, n) -> new Payload(s, new String(n, StandardCharsets.UTF_8)))));
  }

  static TokenMeter meter() {
    TokenMeter m = TokenMeter.builder().priceBook(Harness.BOOK).defaultRunBudget(new BigDecimal("1.00"))
        .sweepInterval(Duration.ZERO).build();
    for (String run : List.of("run-a", "run-b", "run-c")) {
      m.record(dev.tokenmeter.usage.UsageEvent.builder().run(run).session("s1").model("claude-sonnet-4-5")
          .inputTokens(10).build());
    }
    return m;
  }

  /**
   * Handled, or refused with a 400 that says what is wrong; a refused payload changes no run,
   * sends no notification, and leaves the re-send memory alone: the captured payload it came
   * from still acts afterwards exactly as on a fresh webhook.
   */
  @Property
  void handledOrRejectedWithoutSideEffects(@ForAll("payloads") Payload p) throws Exception {
    try (TokenMeter m = meter()) {
      List<ObjectNode> notes = new ArrayList<>();
      AlertWebhook hook = new AlertWebhook(m, 1000, notes::add);
      String before = m.runs().toString();
      try {
        ObjectNode out = Bounded.call(() -> hook.handle(p.text));
        assertThat(out.path("alerts").asInt()).isGreaterThanOrEqualTo(0);
        assertThat(m.stats().webhookAccepted()).isEqualTo(1);
        return;
      } catch (HttpError e) {
        assertThat(e.status).isEqualTo(400);
        String message = e.body.path("error").asText();
        assertThat(message).startsWith("not an Alertmanager webhook payload");
        assertThat(message).as("names the field or the line")
            .containsAnyOf("version", "alerts", "body", "(line ");
      }
      assertThat(m.runs().toString()).isEqualTo(before);
      assertThat(notes).isEmpty();
      assertThat(m.stats().webhookRejected()).isEqualTo(1);
      assertThat(m.stats().webhookAccepted()).isZero();
      // The memory of handled alerts is untouched: the seed acts as on a fresh webhook.
      try (TokenMeter fresh = meter()) {
        ObjectNode expected = new AlertWebhook(fresh, 1000, n -> {}).handle(p.seed);
        assertThat(hook.handle(p.seed)).isEqualTo(expected);
      }
    }
  }

  /** Through the real endpoint: a refused payload changes nothing the API or /metrics show. */
  @Property
  void rejectedRequestChangesNothing(@ForAll("payloads") Payload p) throws Exception {
    String runsBefore = http.allRuns();
    String metricsBefore = UsageParserFuzzTest.metricsOf(http);
    long rejectedBefore = http.meter.stats().webhookRejected();
    HttpResponse<String> r = Bounded.call(() -> http.post("/api/v1/alerts", p.text));
    assertThat(r.statusCode()).as(r.body()).isIn(200, 400, 413);
    if (r.statusCode() == 200) {
      return;
    }
    assertThat(Harness.json(r).path("error").asText()).isNotBlank();
    assertThat(http.allRuns()).isEqualTo(runsBefore);
    assertThat(UsageParserFuzzTest.metricsOf(http)).isEqualTo(metricsBefore);
    if (r.statusCode() == 400) {
      assertThat(http.meter.stats().webhookRejected()).isEqualTo(rejectedBefore + 1);
    }
  }

  /**
   * Each captured payload cut at every position: all refused but the whole, and together they
   * change nothing (one meter per payload: a fresh one per position costs seconds).
   */
  @Example
  void everyTruncationIsRejectedWithoutSideEffects() throws Exception {
    for (String seed : SEEDS) {
      try (TokenMeter m = meter()) {
        List<ObjectNode> notes = new ArrayList<>();
        AlertWebhook hook = new AlertWebhook(m, 1000, notes::add);
        String before = m.runs().toString();
        String whole = seed.strip();
        for (int i = 0; i < whole.length(); i++) {
          String cut = whole.substring(0, i);
          try {
            Bounded.call(() -> hook.handle(cut));
            throw new AssertionError("a cut payload was accepted: " + cut);
          } catch (HttpError e) {
            assertThat(e.status).isEqualTo(400);
            assertThat(e.body.path("error").asText()).as(cut).containsAnyOf("version", "alerts", "body", "(line ");
          }
        }
        assertThat(m.runs().toString()).isEqualTo(before);
        assertThat(notes).isEmpty();
        assertThat(m.stats().webhookRejected()).isEqualTo(whole.length());
        try (TokenMeter fresh = meter()) {
          assertThat(hook.handle(seed)).isEqualTo(new AlertWebhook(fresh, 1000, n -> {}).handle(seed));
        }
      }
    }
  }

  // ---------------------------------------------------------------- regressions found by fuzzing

  /** Found by fuzzing: as for usage bodies, the nesting-depth refusal named no line. */
  @Example
  void alertsNested1001Deep_isRefusedWithItsLine() throws Exception {
    try (TokenMeter m = meter()) {
      AlertWebhook hook = new AlertWebhook(m, 10, n -> {});
      String body = "{\"version\":\"4\",\"alerts\":" + "[".repeat(1000) + "]".repeat(1000) + "}";
      try {
        hook.handle(body);
        throw new AssertionError("accepted");
      } catch (HttpError e) {
        assertThat(e.body.path("error").asText())
            .startsWith("not an Alertmanager webhook payload: malformed JSON: Document nesting depth (1001)")
            .endsWith("(line 1, column 1025)");
      }
      assertThat(m.stats().webhookRejected()).isEqualTo(1);
    }
  }

  /** Found by fuzzing: Jackson's unchecked NumberFormatException for this number was a 500. */
  @Example
  void truncatedAlertsWithExponent9999999999_isA400() throws Exception {
    String body = "{\"version\":\"4\",\"alerts\":[],\"truncatedAlerts\":2.5e9999999999}";
    HttpResponse<String> r = http.post("/api/v1/alerts", body);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(Harness.json(r).path("error").asText()).contains("number out of range").contains("(line 1, column");
  }
}
