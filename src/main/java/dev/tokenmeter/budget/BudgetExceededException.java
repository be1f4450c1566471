package dev.tokenmeter.budget;

/** A reservation that does not fit in what is left of a budget. */
public final class BudgetExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BudgetExceededException(String message) {
    super(message);
  }
}
