package dev.tokenmeter.budget;

import java.math.BigDecimal;

/**
 * How a person resumes a paused run: raise the budget of the scope that paused it, set a new
 * budget, or override (resume over budget). At most one of raise and budget.
 */
public final class ResumeRequest {

  private final BigDecimal raiseUsd;
  private final BigDecimal budgetUsd;
  private final boolean override;
  private final String by;
  private final String reason;

  private ResumeRequest(Builder b) {
    this.raiseUsd = b.raiseUsd;
    this.budgetUsd = b.budgetUsd;
    this.override = b.override;
    this.by = b.by;
    this.reason = b.reason;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The amount to add to the budget, or null. */
  public BigDecimal raiseUsd() {
    return raiseUsd;
  }

  /** The new budget, or null. */
  public BigDecimal budgetUsd() {
    return budgetUsd;
  }

  public boolean override() {
    return override;
  }

  public String by() {
    return by;
  }

  public String reason() {
    return reason;
  }

  public static final class Builder {
    private BigDecimal raiseUsd;
    private BigDecimal budgetUsd;
    private boolean override;
    private String by;
    private String reason;

    private Builder() {}

    public Builder raiseUsd(BigDecimal v) {
      this.raiseUsd = v;
      return this;
    }

    public Builder budgetUsd(BigDecimal v) {
      this.budgetUsd = v;
      return this;
    }

    public Builder override(boolean v) {
      this.override = v;
      return this;
    }

    public Builder by(String v) {
      this.by = v;
      return this;
    }

    public Builder reason(String v) {
      this.reason = v;
      return this;
    }

    /** @throws IllegalArgumentException for both a raise and a budget, or a non-positive amount */
    public ResumeRequest build() {
      if (raiseUsd != null && budgetUsd != null) {
        throw new IllegalArgumentException("give raiseUsd or budgetUsd, not both");
      }
      if (raiseUsd != null && raiseUsd.signum() <= 0) {
        throw new IllegalArgumentException("raiseUsd must be positive, got " + raiseUsd.toPlainString());
      }
      if (budgetUsd != null && budgetUsd.signum() < 0) {
        throw new IllegalArgumentException("budgetUsd must not be negative, got " + budgetUsd.toPlainString());
      }
      return new ResumeRequest(this);
    }
  }
}
