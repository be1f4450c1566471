package dev.tokenmeter.budget;

import dev.tokenmeter.usage.UsageEvent;
import java.math.BigDecimal;

/**
 * Told of what happens to runs: usage, threshold crossings, pauses and resumes. Called on the
 * thread that caused the event, so implementations must be quick and must not throw (what they
 * throw is counted and logged, never passed to the recording caller).
 */
public interface MeterListener {

  /**
   * A usage event was recorded.
   *
   * @param costUsd its cost at the prices of the moment, or null when its model has no price
   */
  default void onUsage(UsageEvent event, BigDecimal costUsd) {}

  /**
   * A call already recorded grew: a later copy of a streamed response reported more tokens.
   * {@code added} holds only the growth. By default it is passed on as usage, so that sums
   * (cost, tokens) stay right; a listener that describes calls one by one (a per-call histogram)
   * overrides this to leave it out.
   *
   * @param costUsd the cost of the growth, or null when its model has no price
   */
  default void onUsageGrowth(UsageEvent added, BigDecimal costUsd) {
    onUsage(added, costUsd);
  }

  default void onThreshold(ThresholdCrossing crossing) {}

  default void onPause(String run, String session, Breakpoint breakpoint) {}

  default void onResume(String run, String session, HistoryEntry resume) {}
}
