/**
 * Sources that feed the ledger from files other programs write: babysitter run journals
 * ({@code babysitter/}) and Claude Code transcripts ({@code claude/}), and the post-hoc
 * {@code tokens:stats} analysis over them ({@code stats/}).
 *
 * <p>The readers are built to be reused by a live tailer:
 *
 * <ul>
 *   <li>{@link dev.tokenmeter.ingest.claude.TranscriptReader#read} takes a file and a
 *       {@link dev.tokenmeter.ingest.Position} and returns the position after the last complete
 *       line; a half-written last line is left for the next call, not reported.
 *   <li>{@link dev.tokenmeter.ingest.claude.ResponseDedupe} is the state that makes every copy of
 *       one API response count once; keep one across calls. It reports growth of a response
 *       already counted (streamed copies), so counters stay monotonic.
 *   <li>{@link dev.tokenmeter.ingest.babysitter.JournalReader#read} takes the last journal file
 *       consumed and an {@link dev.tokenmeter.usage.IdempotencyKeys}, and returns the new last file.
 * </ul>
 *
 * <p>No reader throws for bad input: each bad line or file is one
 * {@link dev.tokenmeter.ingest.IngestError} (file, line, what was wrong) and the rest is read.
 */
package dev.tokenmeter.ingest;
