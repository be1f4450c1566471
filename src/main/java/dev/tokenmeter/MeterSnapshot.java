package dev.tokenmeter;

import dev.tokenmeter.usage.TokenCounts;
import java.math.BigDecimal;
import java.util.List;

/**
 * What the exporters publish, read from the ledger at collection time and priced with the current
 * book. Runs past the export cap are folded into {@link TokenMeter#OVERFLOW_RUN}; runs past their
 * retention are absent. Nothing here is kept after the collection that asked for it.
 */
public record MeterSnapshot(
    List<SeriesSample> series,
    List<RunSample> runs,
    List<SessionSample> sessions,
    List<SpendSample> spend,
    List<UnpricedSample> unpriced,
    SelfStats self) {

  /**
   * One (run, session, subagent, model). {@code session} is "" when the run has none;
   * {@code costUsd} is null when the model has no price.
   */
  public record SeriesSample(
      String run, String session, String subagent, String model, TokenCounts tokens, long requests,
      BigDecimal costUsd) {}

  /** An exported run: its budget (null when none) and the source of its pause (null when open). */
  public record RunSample(String run, String session, BigDecimal budgetUsd, String pausedSource) {}

  public record SessionSample(String session, BigDecimal budgetUsd) {}

  public record SpendSample(String model, String subagent, BigDecimal usd) {}

  public record UnpricedSample(String model, TokenCounts tokens) {}
}
