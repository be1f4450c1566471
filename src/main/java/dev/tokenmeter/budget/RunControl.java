package dev.tokenmeter.budget;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The durable control state of a run: what must survive a restart. Immutable snapshot, written by
 * a {@link ControlStore}.
 *
 * @param session the run's session, or null
 * @param budgetUsd the run budget set for it, or null for the configured default
 * @param subagentBudgetsUsd budgets of subagents within the run
 * @param breakpoint the pause in force, or null
 * @param overridden true after a resume with override, until the budget changes
 * @param history control actions, oldest first, bounded
 */
public record RunControl(
    String run,
    String session,
    BigDecimal budgetUsd,
    Map<String, BigDecimal> subagentBudgetsUsd,
    Breakpoint breakpoint,
    boolean overridden,
    List<HistoryEntry> history) {

  public RunControl {
    subagentBudgetsUsd = Map.copyOf(subagentBudgetsUsd);
    history = List.copyOf(history);
  }
}
