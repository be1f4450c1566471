package dev.tokenmeter;

import java.math.BigDecimal;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Cost set aside before a call so that parallel tasks cannot overshoot a budget together. Settle
 * it with the call's real usage, or release it; either ends it, and a second end does nothing.
 */
public final class Reservation implements AutoCloseable {

  private final TokenMeter meter;
  private final RunState run;
  private final String subagent;
  private final long pico;
  private final boolean session;
  private final AtomicBoolean open = new AtomicBoolean(true);

  Reservation(TokenMeter meter, RunState run, String subagent, long pico, boolean session) {
    this.meter = meter;
    this.run = run;
    this.subagent = subagent;
    this.pico = pico;
    this.session = session;
  }

  public BigDecimal amountUsd() {
    return dev.tokenmeter.pricing.Prices.picoToUsd(pico);
  }

  public boolean isOpen() {
    return open.get();
  }

  /**
   * Records the call's usage through {@code handle} and then frees the reservation: the usage is
   * committed before the reservation is released, so the budget never sees neither.
   */
  public void settle(UsageHandle handle, long input, long output, long cacheRead, long cacheWrite5m, long cacheWrite1h) {
    if (!open.compareAndSet(true, false)) {
      return;
    }
    try {
      handle.record(input, output, cacheRead, cacheWrite5m, cacheWrite1h);
    } finally {
      meter.releaseReservation(run, subagent, pico, session);
    }
  }

  /** Frees the reservation without usage (the call was not made). */
  public void release() {
    if (open.compareAndSet(true, false)) {
      meter.releaseReservation(run, subagent, pico, session);
    }
  }

  @Override
  public void close() {
    release();
  }
}
