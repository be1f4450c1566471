package dev.tokenmeter.budget;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A budget threshold that was reached.
 *
 * @param run the run whose usage reached it
 * @param scopeKey the run id, session id or subagent name the budget belongs to
 */
public record ThresholdCrossing(
    String run,
    String session,
    BudgetScope scope,
    String scopeKey,
    Threshold threshold,
    BigDecimal costUsd,
    BigDecimal budgetUsd,
    Instant at) {}
