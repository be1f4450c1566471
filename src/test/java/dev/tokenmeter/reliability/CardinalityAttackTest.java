package dev.tokenmeter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.ManualClock;
import dev.tokenmeter.MeterSnapshot;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.export.MetricFamily;
import dev.tokenmeter.export.Samples;
import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.Prices;
import dev.tokenmeter.usage.UsageEvent;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A flood of distinct runs, subagents and models against a small export cap: the exported series
 * stay within the cap, {@code _overflow} and the counters account for every token and run, budgets
 * still pause every run, and what is never evicted (long-term spend, unpriced tokens) stays
 * bounded too.
 */
class CardinalityAttackTest {

  static final int RUNS = 50_000;
  static final int CAP = 100;

  /** Every model name starting with claude-sonnet-4-5 is priced (by the regex), any suffix. */
  static final PriceBook BOOK =
      PriceBook.of(
          List.of(
              ModelPrice.builder("claude-sonnet-4-5")
                  .match(Pattern.compile("(?i)^claude-sonnet-4-5"))
                  .base(Prices.builder().input(new BigDecimal("3")).output(new BigDecimal("15"))
                      .cacheRead(new BigDecimal("0.3")).cacheWrite5m(new BigDecimal("3.75"))
                      .cacheWrite1h(new BigDecimal("6")).build())
                  .build()),
          "test", null);

  private final ManualClock clock = new ManualClock();

  private TokenMeter meter() {
    return TokenMeter.builder()
        .priceBook(BOOK)
        .clock(clock)
        .maxExportedRuns(CAP)
        .retention(Duration.ofMinutes(1))
        .idleTimeout(Duration.ofMinutes(1))
        .defaultRunBudget(new BigDecimal("0.01"))
        .sweepInterval(Duration.ZERO)
        .build();
  }

  /** Even runs cross their $0.01 budget; odd runs stay below it. Distinct subagent and model each. */
  private static UsageEvent event(int i) {
    boolean priced = i % 4 != 3; // a quarter of the runs use a model with no price
    String model = (priced ? "claude-sonnet-4-5-x" : "mystery-model-") + i;
    long input = i % 2 == 0 ? 10_000 : 100; // $0.03 or $0.0003 when priced
    return UsageEvent.builder().run("flood-" + i).session("fs-" + (i % 1000)).subagent("agent-" + i)
        .model(model).inputTokens(input).outputTokens(7).idempotencyKey("k-" + i).build();
  }

  private static long usedAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  @Test
  void aFloodOfDistinctRunsSubagentsAndModelsStaysWithinTheCapsAndEveryTokenIsAccountedFor() {
    long heap0 = usedAfterGc();
    try (TokenMeter m = meter()) {
      long sentInput = 0;
      long sentOutput = 0;
      for (int i = 0; i < RUNS; i++) {
        UsageEvent e = event(i);
        assertThat(m.record(e)).isTrue();
        sentInput += e.tokens().input();
        sentOutput += e.tokens().output();
      }

      // Rough, for the docs: what one tracked run costs (not asserted; GC makes it approximate).
      System.out.printf("cardinality: %d runs tracked, about %d bytes of heap each%n", RUNS, (usedAfterGc() - heap0) / RUNS);
      MeterSnapshot snap = m.snapshot();
      // Runs: at most CAP exported by name, the rest counted as overflowed.
      long namedRuns = snap.series().stream().map(MeterSnapshot.SeriesSample::run)
          .filter(r -> !r.equals(TokenMeter.OVERFLOW_RUN)).distinct().count();
      assertThat(namedRuns).isEqualTo(CAP);
      assertThat(snap.runs()).hasSize(CAP);
      assertThat(m.stats().overflowRuns()).isEqualTo(RUNS - CAP);
      assertThat(m.stats().trackedRuns()).isEqualTo(RUNS);

      // Every token is in a named run or in _overflow, exactly.
      long input = snap.series().stream().mapToLong(s -> s.tokens().input()).sum();
      long output = snap.series().stream().mapToLong(s -> s.tokens().output()).sum();
      long requests = snap.series().stream().mapToLong(MeterSnapshot.SeriesSample::requests).sum();
      assertThat(input).isEqualTo(sentInput);
      assertThat(output).isEqualTo(sentOutput);
      assertThat(requests).isEqualTo(RUNS);

      // Series: the named runs' plus a bounded _overflow, whatever the subagent and model names.
      long overflowSeries = snap.series().stream().filter(s -> s.run().equals(TokenMeter.OVERFLOW_RUN)).count();
      assertThat(overflowSeries).isLessThanOrEqualTo(TokenMeter.MAX_OVERFLOW_SERIES + 1);
      // Long-lived families (never evicted) are bounded too, and keep every dollar and token.
      assertThat(snap.spend().size()).isLessThanOrEqualTo(dev.tokenmeter.usage.Ledger.MAX_SPEND_SERIES + 1);
      assertThat(snap.unpriced().size()).isLessThanOrEqualTo(dev.tokenmeter.usage.Ledger.MAX_UNPRICED_MODELS + 1);
      long unpricedInput = snap.unpriced().stream().mapToLong(u -> u.tokens().input()).sum();
      long expectedUnpricedInput = 0;
      BigDecimal expectedSpend = BigDecimal.ZERO;
      for (int i = 0; i < RUNS; i++) {
        UsageEvent e = event(i);
        if (i % 4 == 3) {
          expectedUnpricedInput += e.tokens().input();
        } else {
          expectedSpend = expectedSpend.add(new BigDecimal(e.tokens().input()).multiply(new BigDecimal("3"))
              .add(new BigDecimal(e.tokens().output()).multiply(new BigDecimal("15"))).movePointLeft(6));
        }
      }
      assertThat(unpricedInput).isEqualTo(expectedUnpricedInput);
      BigDecimal spend = snap.spend().stream().map(MeterSnapshot.SpendSample::usd).reduce(BigDecimal.ZERO, BigDecimal::add);
      assertThat(spend).isEqualByComparingTo(expectedSpend);
      assertThat(m.stats().foldedSeries()).isPositive();
      // The whole exposition stays bounded: what a scrape carries.
      Samples samples = Samples.of(snap);
      long runLabelled = samples.get(MetricFamily.TOKENS).size();
      assertThat(runLabelled).isLessThanOrEqualTo(5L * (CAP + TokenMeter.MAX_OVERFLOW_SERIES + 1));

      // Budgets hold for every run, past the cap too: every run over $0.01 is paused, no other.
      for (int i = 0; i < RUNS; i++) {
        boolean over = i % 2 == 0 && i % 4 != 3;
        assertThat(m.gate("flood-" + i).isPaused()).as("run flood-%d paused", i).isEqualTo(over);
      }

      // After idle + retention, every run that is not paused is evicted and counted.
      clock.advance(Duration.ofMinutes(3));
      m.sweep();
      long paused = RUNS / 2;
      assertThat(m.stats().evictedRuns()).isEqualTo(RUNS - paused);
      assertThat(m.stats().trackedRuns()).isEqualTo(paused);
      MeterSnapshot after = m.snapshot();
      assertThat(after.runs().size()).isLessThanOrEqualTo(CAP);
    }
  }

  @Test
  void pastTheCapOnTrackedRunsTheLeastRecentlyActiveAreForgottenAndPausedRunsKept() {
    int cap = 1_000;
    try (TokenMeter m = TokenMeter.builder().priceBook(BOOK).clock(clock).maxTrackedRuns(cap)
        .sweepInterval(Duration.ZERO).build()) {
      m.setRunBudget("over", new BigDecimal("0.01"), "test");
      m.record(UsageEvent.builder().run("over").model("claude-sonnet-4-5").inputTokens(10_000).build());
      assertThat(m.gate("over").isPaused()).isTrue();
      dev.tokenmeter.UsageHandle early = m.handle("early", "main", "claude-sonnet-4-5");
      early.record(100, 0, 0, 0, 0);
      // A flood of 5,000 new runs, one a second: the early ones are the least recently active.
      for (int i = 0; i < 5_000; i++) {
        clock.advance(Duration.ofSeconds(1));
        m.record(UsageEvent.builder().run("flood-" + i).model("claude-sonnet-4-5").inputTokens(100).build());
      }
      m.record(UsageEvent.builder().run("flood-7").model("claude-sonnet-4-5").inputTokens(100).build()); // active again
      assertThat(m.stats().trackedRuns()).isEqualTo(5_002);

      m.sweep();
      assertThat(m.stats().trackedRuns()).isEqualTo(cap);
      assertThat(m.stats().evictedRuns()).isEqualTo(5_002 - cap);
      assertThat(m.gate("over").isPaused()).as("a paused run is never forgotten for the cap").isTrue();
      assertThat(m.status("flood-4999")).isPresent();
      assertThat(m.status("flood-7")).as("recently active again").isPresent();
      assertThat(m.status("flood-8")).isEmpty();
      assertThat(m.status("early")).isEmpty();

      // A handle held past its run's eviction counts into the run as it is now.
      early.record(250, 0, 0, 0, 0);
      assertThat(m.status("early").orElseThrow().tokens().input()).isEqualTo(250);
      assertThat(m.stats().recordErrors()).isZero();
    }
  }

  @Test
  void oneRunWithThousandsOfSubagentAndModelNamesKeepsBoundedSeriesAndExactBudgets() {
    dev.tokenmeter.pricing.Pricing pricing = new dev.tokenmeter.pricing.Pricing(BOOK);
    try (TokenMeter m = TokenMeter.builder().pricing(pricing).clock(clock).sweepInterval(Duration.ZERO).build()) {
      m.setRunBudget("wide", new BigDecimal("10.00"), "test");
      long input = 0;
      long pricedInput = 0;
      int n = 20_000;
      for (int i = 0; i < n; i++) {
        boolean priced = i % 4 != 3;
        long in = 100 + i % 7;
        // 20,000 distinct subagents, 20,000 distinct model names (15,000 priced by the regex).
        m.record(UsageEvent.builder().run("wide").subagent("call-" + i)
            .model((priced ? "claude-sonnet-4-5-x" : "mystery-") + i).inputTokens(in).build());
        input += in;
        pricedInput += priced ? in : 0;
      }
      dev.tokenmeter.RunStatus st = m.status("wide").orElseThrow();
      // Series bounded: the first 200 pairs by name, then one fold per price entry plus one unpriced.
      assertThat(st.series().size()).isLessThanOrEqualTo(TokenMeter.MAX_SERIES_PER_RUN + 2);
      assertThat(m.snapshot().series().stream().filter(x -> x.run().equals("wide")).count())
          .isLessThanOrEqualTo(TokenMeter.MAX_SERIES_PER_RUN + 2);
      assertThat(m.stats().foldedSeries()).isGreaterThanOrEqualTo(n - TokenMeter.MAX_SERIES_PER_RUN);
      // Every token counted, every priced token charged at its price: $3 per million input.
      assertThat(st.tokens().input()).isEqualTo(input);
      assertThat(st.requests()).isEqualTo(n);
      BigDecimal cost = new BigDecimal(pricedInput).multiply(new BigDecimal("3")).movePointLeft(6);
      assertThat(st.costUsd()).isEqualByComparingTo(cost);
      assertThat(st.breakpoint()).isNull(); // about $4.64 of $10

      // A price change (x10) reprices the folded series too: the budget follows at once.
      pricing.update(PriceBook.of(List.of(ModelPrice.builder("claude-sonnet-4-5")
          .match(Pattern.compile("(?i)^claude-sonnet-4-5"))
          .base(Prices.builder().input(new BigDecimal("30")).output(new BigDecimal("15")).cacheRead(new BigDecimal("0.3"))
              .cacheWrite5m(new BigDecimal("3.75")).cacheWrite1h(new BigDecimal("6")).build())
          .build()), "test", null));
      assertThat(m.status("wide").orElseThrow().costUsd()).isEqualByComparingTo(cost.multiply(BigDecimal.TEN));
      assertThat(m.gate("wide").isPaused()).isTrue(); // about $46 of $10: paused by the repricing
    }
  }
}
