package dev.tokenmeter;

import dev.tokenmeter.budget.Breakpoint;
import dev.tokenmeter.budget.HistoryEntry;
import dev.tokenmeter.usage.TokenCounts;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A point-in-time view of one run, priced with the current book: what {@code run:status} and
 * {@code GET /api/v1/runs/{run}} show.
 *
 * @param state {@code active}, {@code paused} or {@code ended}
 * @param costUsd the cost of the priced part of the run's usage
 * @param unpricedModels models the run used that have no price: their cost is unknown, not zero
 * @param budgetUsd the run's budget, or null
 * @param bySubagent cost and tokens per subagent
 * @param byModel cost and tokens per model
 * @param series one entry per (subagent, model)
 * @param breakpoint the pause in force, or null
 */
public record RunStatus(
    String run,
    String session,
    String state,
    BigDecimal costUsd,
    List<String> unpricedModels,
    BigDecimal budgetUsd,
    BigDecimal reservedUsd,
    Map<String, BigDecimal> subagentBudgetsUsd,
    TokenCounts tokens,
    long requests,
    Map<String, Breakdown> bySubagent,
    Map<String, Breakdown> byModel,
    List<SeriesStatus> series,
    Breakpoint breakpoint,
    boolean overridden,
    List<HistoryEntry> history,
    Instant createdAt,
    Instant lastUsageAt,
    Instant endedAt) {

  /** True when every model the run used has a price, so {@link #costUsd} is the whole cost. */
  public boolean costComplete() {
    return unpricedModels.isEmpty();
  }

  /** Tokens, requests and cost of a group; {@code costUsd} is null when none of it is priced. */
  public record Breakdown(TokenCounts tokens, long requests, BigDecimal costUsd) {}

  /** One (subagent, model) of the run; {@code costUsd} is null when the model has no price. */
  public record SeriesStatus(
      String subagent, String model, TokenCounts tokens, long requests, BigDecimal costUsd) {}
}
