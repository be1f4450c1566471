package dev.tokenmeter;

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

  SessionState(String id, List<Threshold> thresholds) {
    this.id = id;
    this.account = new BudgetAccount(thresholds);
  }
}
