package dev.tokenmeter.bench;

import dev.tokenmeter.RunStatus;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.Prices;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;

/** What the benchmarks share: the model, its prices, the event's token counts and the budget. */
final class Fixtures {

  static final String RUN = "run-1";
  static final String SUBAGENT = "coder";
  static final String MODEL = "bench-mini";

  // One event: five token types, all non-zero, so every counter of the path is touched.
  static final long INPUT = 120;
  static final long OUTPUT = 35;
  static final long CACHE_READ = 800;
  static final long CACHE_WRITE_5M = 20;
  static final long CACHE_WRITE_1H = 10;

  /**
   * USD per million tokens: input 0.15, output 0.60, cache read 0.075, 5-minute write 0.1875,
   * 1-hour write 0.30. One event then costs 105.75 / 1e6 USD = 0.00010575 USD (1.0575e8
   * pico-USD).
   */
  static PriceBook priceBook() {
    Prices base =
        Prices.builder()
            .input(new BigDecimal("0.15"))
            .output(new BigDecimal("0.60"))
            .cacheRead(new BigDecimal("0.075"))
            .cacheWrite5m(new BigDecimal("0.1875"))
            .cacheWrite1h(new BigDecimal("0.30"))
            .build();
    ModelPrice model = ModelPrice.builder(MODEL).provider("bench").base(base).build();
    return PriceBook.of(List.of(model), "bench", LocalDate.of(2026, 12, 1));
  }

  /**
   * The run budget: USD 5,000,000 (5e18 pico-USD, close to the long range), so the first
   * threshold (0.5, notify) is 2.5e18 pico-USD away. At ~1e8 pico-USD an event that is 2.5e10
   * events, over 100 s at 200 M events/s; a fork here runs 16 s. {@link #assertNoThresholdFired}
   * checks it after each trial.
   */
  static final BigDecimal RUN_BUDGET_USD = new BigDecimal("5000000");

  /** A meter as a user would build it: a real price book and a default run budget. */
  static TokenMeter meter() {
    return TokenMeter.builder().priceBook(priceBook()).defaultRunBudget(RUN_BUDGET_USD).build();
  }

  /** Fails the trial if the run's cost reached the lowest threshold (half the budget) or paused. */
  static void assertNoThresholdFired(TokenMeter meter, String run) {
    RunStatus s =
        meter.status(run).orElseThrow(() -> new IllegalStateException("run " + run + " is gone"));
    BigDecimal half = s.budgetUsd().multiply(new BigDecimal("0.5"));
    if (s.costUsd().compareTo(half) >= 0 || s.breakpoint() != null || !s.history().isEmpty()) {
      throw new IllegalStateException(
          "a budget threshold fired during the benchmark (cost $" + s.costUsd().toPlainString()
              + " of $" + s.budgetUsd().toPlainString() + "): raise RUN_BUDGET_USD");
    }
  }

  private Fixtures() {}
}
