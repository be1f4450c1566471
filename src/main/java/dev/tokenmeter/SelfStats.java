package dev.tokenmeter;

/**
 * tokenmeter's own health counters.
 *
 * @param evictedRuns runs forgotten after their retention, or early past the cap on tracked runs
 * @param overflowRuns runs folded into {@code run="_overflow"} because of the export cap
 * @param rejectedEvents usage events refused as invalid
 * @param duplicateEvents usage events dropped because their idempotency key was seen
 * @param recordErrors failures inside recording, counted instead of thrown
 * @param listenerErrors exceptions thrown by listeners
 * @param stateWriteErrors failures writing the state directory (pauses still hold in memory)
 * @param trackedRuns runs held now
 * @param trackedRunsLimit the cap on runs held: past it the least recently active runs that are not
 *     paused are forgotten first
 * @param ingestErrors bad lines and files met by the ingest sources
 * @param webhookAccepted Alertmanager webhook calls accepted
 * @param webhookRejected Alertmanager webhook calls rejected as malformed or unauthorized
 * @param pricebookReloads price books loaded from the user's file, the first load included
 * @param pricebookReloadErrors price file changes rejected (the last good book stayed)
 * @param foldedSeries names past a cap folded into {@code _overflow}: of long-term spend (once per
 *     run handle), of unpriced tokens (once per event), of a run's series past
 *     {@link TokenMeter#MAX_SERIES_PER_RUN} (once per event)
 */
public record SelfStats(
    long evictedRuns,
    long overflowRuns,
    long rejectedEvents,
    long duplicateEvents,
    long recordErrors,
    long listenerErrors,
    long stateWriteErrors,
    long trackedRuns,
    long trackedRunsLimit,
    long ingestErrors,
    long webhookAccepted,
    long webhookRejected,
    long pricebookReloads,
    long pricebookReloadErrors,
    long foldedSeries) {}
