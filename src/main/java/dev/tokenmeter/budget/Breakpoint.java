package dev.tokenmeter.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * A pause on a run: why, who set it, and the cost and budget at that moment. Immutable.
 *
 * @param scope the budget scope that paused the run ({@code run} for manual and alert pauses)
 * @param scopeKey the run id, session id or subagent name of that scope
 * @param costUsd the run's cost when it paused, or null when unknown (an alert for an unseen run)
 * @param budgetUsd the budget of {@code scope} at that moment, or null
 */
public record Breakpoint(
    String reason,
    PauseSource source,
    BudgetScope scope,
    String scopeKey,
    BigDecimal costUsd,
    BigDecimal budgetUsd,
    Instant since,
    String by) {

  public Breakpoint {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(scopeKey, "scopeKey");
    Objects.requireNonNull(since, "since");
    by = by == null || by.isBlank() ? source.label() : by;
  }
}
