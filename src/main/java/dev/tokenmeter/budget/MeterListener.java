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

  default void onThreshold(ThresholdCrossing crossing) {}

  default void onPause(String run, String session, Breakpoint breakpoint) {}

  default void onResume(String run, String session, HistoryEntry resume) {}
}
