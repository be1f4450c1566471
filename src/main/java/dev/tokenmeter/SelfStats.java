package dev.tokenmeter;

/**
 * tokenmeter's own health counters.
 *
 * @param evictedRuns runs whose series were removed after their retention
 * @param overflowRuns runs folded into {@code run="_overflow"} because of the export cap
 * @param rejectedEvents usage events refused as invalid
 * @param duplicateEvents usage events dropped because their idempotency key was seen
 * @param recordErrors failures inside recording, counted instead of thrown
 * @param listenerErrors exceptions thrown by listeners
 * @param stateWriteErrors failures writing the state directory (pauses still hold in memory)
 * @param trackedRuns runs held now
 */
public record SelfStats(
    long evictedRuns,
    long overflowRuns,
    long rejectedEvents,
    long duplicateEvents,
    long recordErrors,
    long listenerErrors,
    long stateWriteErrors,
    long trackedRuns) {}
