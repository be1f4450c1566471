package dev.tokenmeter.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * One control action on a run, kept in its durable history: a pause, a resume or a budget
 * change, with who did it, why, and the cost and budget at that moment.
 */
public record HistoryEntry(
    Instant at,
    Action action,
    String source,
    String by,
    String reason,
    BigDecimal costUsd,
    BigDecimal budgetUsd) {

  /** What was done. */
  public enum Action {
    PAUSE,
    RESUME,
    BUDGET
  }

  public HistoryEntry {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(action, "action");
  }
}
