package dev.tokenmeter.budget;

import java.math.BigDecimal;
import java.util.Map;

/**
 * Where budgets, breakpoints and their history are kept so that they survive a restart or a
 * kill -9. A directory serves one process ({@link DirectoryControlStore}); a store shared by a
 * fleet of instances (a database) implements the same interface, so that a budget set, a pause
 * or a resume on one instance holds on all of them.
 *
 * <p>Implementations write each record atomically: after a crash a reader sees the old record or
 * the new one, never a torn one. Methods may throw {@link java.io.UncheckedIOException}; callers
 * keep enforcing in memory and report the failure.
 */
public interface ControlStore {

  /** Every run record in the store. */
  Map<String, RunControl> loadRuns();

  /** Every session budget in the store. */
  Map<String, BigDecimal> loadSessionBudgets();

  void saveRun(RunControl run);

  void deleteRun(String run);

  /** Sets a session budget, or removes it when {@code budgetUsd} is null. */
  void saveSessionBudget(String session, BigDecimal budgetUsd);

  /** A store that keeps nothing: for tests and embedded uses that need no durability. */
  static ControlStore none() {
    return NoControlStore.INSTANCE;
  }
}
