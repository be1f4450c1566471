package dev.tokenmeter;

import dev.tokenmeter.budget.BudgetAccount;
import dev.tokenmeter.budget.HistoryEntry;
import dev.tokenmeter.budget.RunGate;
import dev.tokenmeter.budget.Threshold;
import dev.tokenmeter.usage.RunLedger;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Everything tokenmeter holds for one run: its ledger, budget accounts, gate and handles. */
final class RunState {

  static final int MAX_HISTORY = 200;

  final String run;
  final RunLedger ledger;
  final BudgetAccount account;
  final RunGate gate;
  /** Past the cap on exported runs when it was created: exported as {@code _overflow}. */
  final boolean overflow;
  final ConcurrentHashMap<String, BudgetAccount> subagentAccounts = new ConcurrentHashMap<>();
  final ConcurrentHashMap<String, ConcurrentHashMap<String, UsageHandle>> handles =
      new ConcurrentHashMap<>();
  /** How many handles (and so series) the run has: bounded by {@link TokenMeter#MAX_SERIES_PER_RUN}. */
  final java.util.concurrent.atomic.AtomicInteger handleCount = new java.util.concurrent.atomic.AtomicInteger();
  private final List<Threshold> thresholds;
  volatile SessionState session;
  /** The budget set for this run explicitly, or null when the default applies. */
  volatile BigDecimal explicitBudgetUsd;
  final Map<String, BigDecimal> subagentBudgetsUsd = new ConcurrentHashMap<>();
  volatile boolean overridden;
  /** Set when the sweep has forgotten the run: handles still held re-resolve it. */
  volatile boolean evicted;
  private final List<HistoryEntry> history = new ArrayList<>();

  RunState(String run, long nowMillis, List<Threshold> thresholds, boolean overflow) {
    this.run = run;
    this.ledger = new RunLedger(run, null, nowMillis);
    this.account = new BudgetAccount(thresholds);
    this.gate = new RunGate(run);
    this.thresholds = thresholds;
    this.overflow = overflow;
  }

  /** The last usage, or the creation for a run without usage; what the cap on tracked runs evicts by. */
  long lastActivityMillis() {
    return Math.max(ledger.lastUsageMillis(), ledger.createdMillis());
  }

  BudgetAccount subagentAccount(String subagent) {
    BudgetAccount a = subagentAccounts.get(subagent);
    return a != null ? a : subagentAccounts.computeIfAbsent(subagent, s -> new BudgetAccount(thresholds));
  }

  String sessionId() {
    SessionState s = session;
    return s == null ? null : s.id;
  }

  synchronized void addHistory(HistoryEntry e) {
    history.add(e);
    if (history.size() > MAX_HISTORY) {
      history.remove(0);
    }
  }

  synchronized List<HistoryEntry> history() {
    return List.copyOf(history);
  }

  synchronized void restoreHistory(List<HistoryEntry> entries) {
    history.clear();
    history.addAll(entries);
  }
}
