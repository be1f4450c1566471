package dev.tokenmeter.budget;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/** A fraction of a budget and what crossing it does. Immutable. */
public final class Threshold implements Comparable<Threshold> {

  /** 0.5 notify, 0.8 notify, 1.0 pause. */
  public static final List<Threshold> DEFAULTS =
      List.of(notify("0.5"), notify("0.8"), pause("1.0"));

  private final BigDecimal fraction;
  private final ThresholdAction action;

  public Threshold(BigDecimal fraction, ThresholdAction action) {
    if (fraction.signum() <= 0) {
      throw new IllegalArgumentException("threshold fraction must be positive, got " + fraction);
    }
    this.fraction = fraction.stripTrailingZeros();
    this.action = Objects.requireNonNull(action, "action");
  }

  public static Threshold notify(String fraction) {
    return new Threshold(new BigDecimal(fraction), ThresholdAction.NOTIFY);
  }

  public static Threshold pause(String fraction) {
    return new Threshold(new BigDecimal(fraction), ThresholdAction.PAUSE);
  }

  public BigDecimal fraction() {
    return fraction;
  }

  public ThresholdAction action() {
    return action;
  }

  @Override
  public int compareTo(Threshold o) {
    return fraction.compareTo(o.fraction);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Threshold
        && fraction.compareTo(((Threshold) o).fraction) == 0
        && action == ((Threshold) o).action;
  }

  @Override
  public int hashCode() {
    return Objects.hash(fraction, action);
  }

  @Override
  public String toString() {
    return fraction.toPlainString() + " " + action.label();
  }
}
