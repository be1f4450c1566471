package dev.tokenmeter.ingest.live;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.ingest.IngestError;
import dev.tokenmeter.ingest.IngestErrors;
import dev.tokenmeter.ingest.LineReader;
import dev.tokenmeter.ingest.babysitter.JournalListener;
import dev.tokenmeter.ingest.babysitter.JournalTail;
import dev.tokenmeter.ingest.babysitter.JournalUsage;
import dev.tokenmeter.ingest.babysitter.RunEnd;
import dev.tokenmeter.ingest.claude.TranscriptTail;
import dev.tokenmeter.usage.IdempotencyKeys;
import dev.tokenmeter.usage.TokenCounts;
import dev.tokenmeter.usage.UsageEvent;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows babysitter run journals and Claude Code transcripts as they are written and feeds their
 * usage to a {@link TokenMeter}: {@code COST_TRACKED} entries and transcript responses are
 * {@link TokenMeter#record} calls (budgets and pauses apply as to any other), a streamed
 * response's later growth is {@link TokenMeter#recordGrowth}, and {@code RUN_COMPLETED},
 * {@code RUN_FAILED}, {@code RUN_HALTED} are {@link TokenMeter#endRun}.
 *
 * <pre>{@code
 * try (Tailer tailer = Tailer.builder(meter)
 *     .runsDir(DefaultDirectories.runsDir())
 *     .claudeDir(DefaultDirectories.claudeDir())
 *     .start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>One daemon thread does all the work. It wakes on a {@link WatchService} event for prompt
 * pick-up, and polls every {@code pollInterval} (500 ms) anyway, because watch events are lost on
 * some file systems (network mounts, some container overlays) and when the watch limit is hit.
 * Each wake-up is one pass over both sources: new files and appended complete lines are read;
 * half-written ones are retried on the next pass.
 *
 * <p>Restart: a new tailer reads everything from the start with the same dedupe, so a fresh
 * meter ends with the totals one uninterrupted tailer would have; over the same meter, the
 * idempotency keys make the re-read add nothing (within the meter's key window).
 *
 * <p>Bad input never stops it: each distinct problem is counted ({@link #ingestErrors()}, the
 * {@code tokenmeter_ingest_errors_total} self-metric) and logged once with its file and line.
 */
public final class Tailer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Tailer.class);

  /** A burst of writes is read in one pass, not one pass per write. */
  private static final long COALESCE_MILLIS = 20;

  /** Distinct problems remembered so that each is counted and logged once. */
  private static final int MAX_ERRORS_REMEMBERED = 10_000;

  private final TokenMeter meter;
  private final JournalTail journals;
  private final TranscriptTail transcripts;
  private final long pollMillis;
  private final Instant since;
  private final IngestErrors errorListener;
  private final WatchService watch;
  private final Map<Path, WatchKey> watched = new HashMap<>();
  private final Set<IngestError> reported;
  private final LongAdder errorCount = new LongAdder();
  private final Object passLock = new Object();
  private final Thread thread;
  private long passesStarted;
  private long passesDone;
  private boolean watchLimitLogged;
  private volatile boolean closed;

  private Tailer(Builder b) {
    this.meter = b.meter;
    this.journals = b.runsDir == null ? null : new JournalTail(b.runsDir, b.keyWindow, b.since);
    this.transcripts =
        b.claudeDir == null ? null : new TranscriptTail(b.claudeDir, b.maxLineBytes, b.responseWindow, b.since);
    this.pollMillis = b.pollInterval.toMillis();
    this.since = b.since;
    this.errorListener = b.errorListener;
    this.reported = Collections.newSetFromMap(new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<IngestError, Boolean> eldest) {
        return size() > MAX_ERRORS_REMEMBERED;
      }
    });
    this.watch = b.watch ? newWatchService() : null;
    this.thread = new Thread(this::loop, "tokenmeter-tailer");
    thread.setDaemon(true);
  }

  public static Builder builder(TokenMeter meter) {
    return new Builder(meter);
  }

  private static WatchService newWatchService() {
    try {
      return FileSystems.getDefault().newWatchService();
    } catch (IOException | UnsupportedOperationException e) {
      log.warn("no file watch service ({}); polling only", e.toString());
      return null;
    }
  }

  /**
   * Distinct ingest problems so far (bad lines, unreadable files and directories), each counted
   * once however often it is seen again: the {@code tokenmeter_ingest_errors_total} self-metric.
   */
  public long ingestErrors() {
    return errorCount.sum();
  }

  /** Completed passes over the sources; the first one has read everything there was at start. */
  public long passes() {
    synchronized (passLock) {
      return passesDone;
    }
  }

  /**
   * Waits until a pass that started after this call has completed: everything written completely
   * before the call has then been fed to the meter. True unless the timeout passed or the tailer
   * is closed.
   */
  public boolean awaitPass(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (passLock) {
      long target = passesStarted + 1;
      while (passesDone < target && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(passLock, left);
      }
      return passesDone >= target;
    }
  }

  /** Stops the thread; what was fed stays counted. Idempotent. */
  @Override
  public void close() {
    closed = true;
    if (watch != null) {
      try {
        watch.close(); // wakes the thread from its wait
      } catch (IOException e) {
        log.debug("closing the watch service", e);
      }
    }
    thread.interrupt();
    if (Thread.currentThread() != thread) {
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (passLock) {
      passLock.notifyAll();
    }
  }

  // ---------------------------------------------------------------- the thread

  private void loop() {
    while (!closed) {
      synchronized (passLock) {
        passesStarted++;
      }
      try {
        pass();
      } catch (RuntimeException | LinkageError e) {
        // A bug must not stop the tailing: count it, log it, try again on the next pass.
        log.warn("a tailer pass failed; retrying on the next", e);
        report(new IngestError(Path.of("tailer"), 0, "internal error: " + e));
      }
      synchronized (passLock) {
        passesDone++;
        passLock.notifyAll();
      }
      if (!closed) {
        waitForChange();
      }
    }
  }

  private void pass() {
    if (journals != null) {
      journals.poll(journalListener, this::report);
    }
    if (transcripts != null) {
      transcripts.poll(transcriptListener, this::report);
    }
    if (passesDone == 0) {
      // What the first pass read, and what it left for later: an empty meter is then no mystery.
      log.info("tailing: {} babysitter runs and {} Claude Code transcript files read{}",
          journals == null ? 0 : journals.runs(), transcripts == null ? 0 : transcripts.files(),
          since == null ? "" : "; " + (journals == null ? 0 : journals.skipped()) + " runs and "
              + (transcripts == null ? 0 : transcripts.skipped()) + " transcript files not written to since "
              + since + " left until they are written again (tail since)");
    }
    if (watch != null) {
      Set<Path> dirs = new HashSet<>();
      if (journals != null) {
        dirs.addAll(journals.directories());
      }
      if (transcripts != null) {
        dirs.addAll(transcripts.directories());
      }
      updateWatches(dirs);
    }
  }

  /** Sleeps until a watch event or the poll interval, whichever comes first. */
  private void waitForChange() {
    try {
      if (watch == null) {
        Thread.sleep(pollMillis);
        return;
      }
      WatchKey key = watch.poll(pollMillis, TimeUnit.MILLISECONDS);
      if (key == null) {
        return;
      }
      Thread.sleep(COALESCE_MILLIS);
      do {
        key.pollEvents(); // what changed does not matter: the pass looks at everything
        key.reset();
      } while ((key = watch.poll()) != null);
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closing
    }
  }

  private void updateWatches(Set<Path> dirs) {
    for (Iterator<Map.Entry<Path, WatchKey>> it = watched.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Path, WatchKey> e = it.next();
      if (!dirs.contains(e.getKey()) || !e.getValue().isValid()) {
        e.getValue().cancel();
        it.remove();
      }
    }
    for (Path dir : dirs) {
      if (watched.containsKey(dir)) {
        continue;
      }
      try {
        watched.put(dir, dir.register(watch, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE));
      } catch (IOException | UnsupportedOperationException | ClosedWatchServiceException e) {
        // Most often the system's limit on watches; polling still finds everything.
        if (!watchLimitLogged) {
          watchLimitLogged = true;
          log.warn("cannot watch {} ({}); it and others like it are polled every {} ms", dir,
              e.toString(), pollMillis);
        }
        return;
      }
    }
  }

  private void report(IngestError e) {
    if (!reported.add(e)) {
      return; // a directory that stays unreadable is seen on every pass: count and log it once
    }
    errorCount.increment();
    meter.countIngestError();
    log.warn("ingest: {}", e);
    try {
      errorListener.report(e);
    } catch (RuntimeException ex) {
      log.warn("an ingest error listener failed", ex);
    }
  }

  private final JournalListener journalListener = new JournalListener() {
    @Override
    public void usage(JournalUsage usage) {
      meter.record(usage.event());
    }

    @Override
    public void runEnded(RunEnd end) {
      meter.endRun(end.run());
    }
  };

  private final TranscriptTail.Listener transcriptListener = new TranscriptTail.Listener() {
    @Override
    public void call(UsageEvent call) {
      meter.record(call);
    }

    @Override
    public void growth(UsageEvent current, TokenCounts previous) {
      meter.recordGrowth(current, previous);
    }
  };

  /** Configuration of a {@link Tailer}. */
  public static final class Builder {
    private final TokenMeter meter;
    private Path runsDir;
    private Path claudeDir;
    private Duration pollInterval = Duration.ofMillis(500);
    private Instant since;
    private boolean watch = true;
    private int maxLineBytes = LineReader.DEFAULT_MAX_LINE_BYTES;
    private int responseWindow = 100_000;
    private int keyWindow = IdempotencyKeys.DEFAULT_CAPACITY;
    private IngestErrors errorListener = IngestErrors.ignore();

    private Builder(TokenMeter meter) {
      this.meter = Objects.requireNonNull(meter, "meter");
    }

    /** The babysitter runs directory ({@code ~/.a5c/runs}); it may appear later. */
    public Builder runsDir(Path dir) {
      this.runsDir = dir;
      return this;
    }

    /** The Claude Code projects directory ({@code ~/.claude/projects}); it may appear later. */
    public Builder claudeDir(Path dir) {
      this.claudeDir = dir;
      return this;
    }

    /** How often to look without a watch event; default 500 ms. */
    /**
     * Skips, at first sight, the babysitter runs and Claude Code sessions not written to since
     * this time; each is read whole, from the start, once it is written to again. Default: null,
     * everything. For a sidecar over a long history: what has been quiet longer than the meter
     * keeps a run ({@link TokenMeter.Builder#idleTimeout} plus retention) would be forgotten again
     * anyway.
     */
    public Builder since(Instant since) {
      this.since = since;
      return this;
    }

    public Builder pollInterval(Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("pollInterval must be positive, got " + d);
      }
      this.pollInterval = d;
      return this;
    }

    /** Whether to wake on file system events as well as by polling; default true. */
    public Builder watch(boolean watch) {
      this.watch = watch;
      return this;
    }

    /** Transcript lines longer than this are skipped and reported. */
    public Builder maxLineBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxLineBytes must be positive, got " + bytes);
      }
      this.maxLineBytes = bytes;
      return this;
    }

    /**
     * How many recent Claude responses are remembered to count their copies once; default
     * 100,000 (about 30 MB at most). Copies of one response are written close together.
     */
    public Builder responseWindow(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("responseWindow must be at least 1, got " + n);
      }
      this.responseWindow = n;
      return this;
    }

    /** How many journal idempotency keys are remembered; default 100,000. */
    public Builder keyWindow(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("keyWindow must be at least 1, got " + n);
      }
      this.keyWindow = n;
      return this;
    }

    /** Also tell this of each distinct ingest problem (after it is counted and logged). */
    public Builder errorListener(IngestErrors listener) {
      this.errorListener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Builds the tailer and starts its thread; its first pass reads everything there is. */
    public Tailer start() {
      if (runsDir == null && claudeDir == null) {
        throw new IllegalArgumentException("give a runs directory, a Claude projects directory, or both");
      }
      Tailer t = new Tailer(this);
      t.thread.start();
      return t;
    }
  }
}
