package dev.tokenmeter.budget;

/** What a budget applies to. */
public enum BudgetScope {
  RUN,
  SESSION,
  SUBAGENT;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
