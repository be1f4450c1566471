package dev.tokenmeter;

import dev.tokenmeter.budget.Breakpoint;
import dev.tokenmeter.budget.BudgetAccount;
import dev.tokenmeter.budget.Threshold;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A session: the runs that belong to it and its budget account over all of them. */
final class SessionState {
  final String id;
  final BudgetAccount account;
  final Set<String> runs = ConcurrentHashMap.newKeySet();
  /**
   * Set while the session as a whole is paused (its budget, or an alert naming it): a run that
   * joins it later starts paused too, since another instance may hold the session's other runs.
   */
  volatile Breakpoint breakpoint;
  /** When the sweep first found the session without runs, or 0. */
  volatile long emptySinceMillis;

  SessionState(String id, List<Threshold> thresholds) {
    this.id = id;
    this.account = new BudgetAccount(thresholds);
  }
}
