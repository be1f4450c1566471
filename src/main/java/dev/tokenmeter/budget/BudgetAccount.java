package dev.tokenmeter.budget;

import dev.tokenmeter.pricing.Prices;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The money side of one budget scope (a run, a session, or a subagent within a run): committed
 * cost, open reservations, the budget and which of its thresholds have fired.
 *
 * <p>Committing is one atomic add and one compare against the next threshold, so the recording
 * path takes no lock; only a crossing takes this account's monitor. Amounts are pico-USD.
 */
public final class BudgetAccount {

  /** No budget set. */
  public static final long NONE = -1;

  private final AtomicLong committed = new AtomicLong();
  private final AtomicLong reserved = new AtomicLong();
  private final List<Threshold> thresholds;
  private volatile long budgetPico = NONE;
  /** Committed cost at which the next unfired threshold fires; MAX when none is left. */
  private volatile long nextTrigger = Long.MAX_VALUE;
  private long[] triggers = new long[0];
  private boolean[] fired = new boolean[0];

  public BudgetAccount(List<Threshold> thresholds) {
    List<Threshold> sorted = new ArrayList<>(thresholds);
    sorted.sort(null);
    this.thresholds = List.copyOf(sorted);
  }

  public List<Threshold> thresholds() {
    return thresholds;
  }

  /**
   * Adds {@code pico} to the committed cost. Returns true when that reached a threshold that has
   * not fired yet; the caller then takes {@link #crossed()} to learn which.
   */
  public boolean commit(long pico) {
    long c = committed.addAndGet(pico);
    return c >= nextTrigger;
  }

  /** Marks and returns the thresholds that the committed cost has reached and that had not fired. */
  public synchronized List<Threshold> crossed() {
    long c = committed.get();
    List<Threshold> out = new ArrayList<>(2);
    for (int i = 0; i < triggers.length; i++) {
      if (!fired[i] && c >= triggers[i]) {
        fired[i] = true;
        out.add(thresholds.get(i));
      }
    }
    recomputeNext();
    return out;
  }

  /**
   * Sets the budget (or {@link #NONE}), arming its thresholds anew: each fires once per budget
   * value. Notify thresholds the cost is already past are marked fired without firing, since they
   * would only repeat old news; pause thresholds already reached fire now and are returned, so that
   * setting a budget below the cost pauses the run.
   */
  public synchronized List<Threshold> setBudget(long pico) {
    budgetPico = pico;
    int n = pico == NONE ? 0 : thresholds.size();
    triggers = new long[n];
    fired = new boolean[n];
    long c = committed.get();
    List<Threshold> firing = new ArrayList<>(1);
    for (int i = 0; i < n; i++) {
      triggers[i] =
          new BigDecimal(pico)
              .multiply(thresholds.get(i).fraction())
              .setScale(0, RoundingMode.CEILING)
              .longValueExact();
      if (c >= triggers[i]) {
        fired[i] = true;
        if (thresholds.get(i).action() == ThresholdAction.PAUSE) {
          firing.add(thresholds.get(i));
        }
      }
    }
    recomputeNext();
    return firing;
  }

  private void recomputeNext() {
    long next = Long.MAX_VALUE;
    for (int i = 0; i < triggers.length; i++) {
      if (!fired[i] && triggers[i] < next) {
        next = triggers[i];
      }
    }
    nextTrigger = next;
  }

  /** Replaces the committed cost, after prices changed; returns true when a threshold is now reached. */
  public boolean reprice(long pico) {
    committed.set(pico);
    return pico >= nextTrigger;
  }

  /**
   * Reserves {@code pico} if committed cost plus open reservations plus it stays within the
   * budget; always succeeds without a budget.
   */
  public boolean tryReserve(long pico) {
    while (true) {
      // Read reserved before committed: a settle commits before it releases, so this order can
      // only over-count, never let two reservations through together.
      long r = reserved.get();
      long b = budgetPico;
      if (b != NONE && committed.get() + r + pico > b) {
        return false;
      }
      if (reserved.compareAndSet(r, r + pico)) {
        return true;
      }
    }
  }

  /** Forgets {@code pico} of open reservations. */
  public void release(long pico) {
    reserved.addAndGet(-pico);
  }

  public long committedPico() {
    return committed.get();
  }

  public long reservedPico() {
    return reserved.get();
  }

  /** The budget in pico-USD, or {@link #NONE}. */
  public long budgetPico() {
    return budgetPico;
  }

  public boolean hasBudget() {
    return budgetPico != NONE;
  }

  /** Committed cost at or above the budget. */
  public boolean isOverBudget() {
    long b = budgetPico;
    return b != NONE && committed.get() >= b;
  }

  public BigDecimal budgetUsd() {
    long b = budgetPico;
    return b == NONE ? null : Prices.picoToUsd(b);
  }

  public BigDecimal committedUsd() {
    return Prices.picoToUsd(committed.get());
  }
}
