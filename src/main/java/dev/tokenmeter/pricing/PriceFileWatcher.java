package dev.tokenmeter.pricing;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the user's price file and applies each valid version everywhere at once, through
 * {@link Pricing#update}, as the bundled book overridden by the file. An invalid version is
 * logged on one line naming file, line and field, counted in {@link #reloadErrors()}, and the last
 * good book stays.
 *
 * <p>A {@link WatchService} on the file's directory wakes it at once on most systems; it also
 * checks every poll interval (default one second), because the WatchService misses some editors'
 * replace-by-rename and changes on network file systems. A check reads the file only when its
 * modification time or size changed, or while it was modified within the last two seconds (file
 * systems with coarse timestamps can hide a same-size rewrite), and parses it only when its SHA-256
 * differs from the last one handled. A version that fails to parse while it is that fresh is read
 * again rather than reported, so an editor's half-written save is not counted as an error.
 *
 * <p>Nothing here throws into the caller: {@link Builder#start()} makes its first check on the
 * calling thread and reports a bad file like any later one. Callers that must fail fast on a bad
 * file at start-up load it with {@link PriceBookLoader#load} first.
 */
public final class PriceFileWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PriceFileWatcher.class);
  private static final long FRESH_MILLIS = 2_000;

  private final Path file;
  private final Pricing pricing;
  private final PriceBook defaults;
  private final Duration pollInterval;
  private final AtomicLong reloads = new AtomicLong();
  private final AtomicLong reloadErrors = new AtomicLong();
  private volatile String lastError;
  private volatile boolean closed;
  private WatchService watchService;
  private Thread thread;

  // Touched only by the checking thread (the caller's for the first check, then the watcher's).
  private long seenModified = Long.MIN_VALUE;
  private long seenSize = -1;
  private byte[] seenHash;
  private boolean missingLogged;

  private PriceFileWatcher(Builder b) {
    this.file = b.file.toAbsolutePath().normalize();
    this.pricing = b.pricing;
    this.defaults = b.defaults != null ? b.defaults : DefaultPriceBook.load();
    this.pollInterval = b.pollInterval;
  }

  /** A watcher of {@code file} that updates {@code pricing}. */
  public static Builder builder(Path file, Pricing pricing) {
    if (file == null || pricing == null) {
      throw new IllegalArgumentException("file and pricing are required");
    }
    return new Builder(file, pricing);
  }

  /** Successful loads applied to the pricing view, the first one included. */
  public long reloads() {
    return reloads.get();
  }

  /** Versions of the file rejected; each distinct bad content counts once. */
  public long reloadErrors() {
    return reloadErrors.get();
  }

  /** The last rejection's message (file, line, field, problem), or null if none yet. */
  public String lastError() {
    return lastError;
  }

  public Path file() {
    return file;
  }

  private void begin() {
    check();
    try {
      WatchService ws = file.getFileSystem().newWatchService();
      Path dir = file.getParent();
      dir.register(ws,
          StandardWatchEventKinds.ENTRY_CREATE,
          StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
      watchService = ws;
    } catch (IOException | RuntimeException e) {
      log.info("price file {}: no change notifications ({}), polling every {} ms",
          file, e.toString(), pollInterval.toMillis());
    }
    thread = new Thread(this::run, "tokenmeter-price-file-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    while (!closed) {
      try {
        if (watchService != null) {
          WatchKey key = watchService.poll(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
          if (key != null) {
            key.pollEvents(); // any event in the directory only means "look now"
            key.reset();
          }
        } else {
          Thread.sleep(pollInterval.toMillis());
        }
      } catch (InterruptedException | ClosedWatchServiceException e) {
        if (closed) {
          return;
        }
        Thread.interrupted(); // spurious: keep watching
      }
      if (!closed) {
        check();
      }
    }
  }

  /** One look at the file; never throws. */
  void check() {
    try {
      BasicFileAttributes attrs;
      try {
        attrs = Files.readAttributes(file, BasicFileAttributes.class);
      } catch (NoSuchFileException e) {
        // Editors that save by rename leave no file for a moment; the next version will show up.
        if (!missingLogged) {
          log.warn("price file {} is missing; keeping the last good price book", file);
          missingLogged = true;
        }
        return;
      }
      missingLogged = false;
      long modified = attrs.lastModifiedTime().toMillis();
      long size = attrs.size();
      boolean fresh = System.currentTimeMillis() - modified < FRESH_MILLIS;
      if (modified == seenModified && size == seenSize && !fresh) {
        return;
      }
      byte[] bytes = Files.readAllBytes(file);
      byte[] hash = sha256(bytes);
      if (Arrays.equals(hash, seenHash)) {
        seenModified = modified;
        seenSize = size;
        return;
      }
      LoadResult loaded;
      try {
        loaded = PriceBookLoader.parse(PriceBookLoader.decode(bytes, file.toString()), file.toString());
      } catch (PriceFileException e) {
        if (fresh) {
          return; // maybe half written: look again next time, report if it stays like this
        }
        remember(modified, size, hash);
        reject(e.getMessage());
        return;
      }
      remember(modified, size, hash);
      apply(loaded);
    } catch (IOException e) {
      reject(file + ": cannot read: " + e);
    } catch (RuntimeException e) {
      reject(file + ": " + e);
    }
  }

  private void remember(long modified, long size, byte[] hash) {
    seenModified = modified;
    seenSize = size;
    seenHash = hash;
  }

  private void apply(LoadResult loaded) {
    PriceBook next = defaults.overriddenBy(loaded.book());
    try {
      pricing.update(next);
    } catch (RuntimeException e) {
      // The book is in place; a listener failed after it.
      log.warn("price book listener failed after loading {}", file, e);
    }
    reloads.incrementAndGet();
    log.info("price file {} loaded: {} models, {} entries skipped", file, loaded.loaded(), loaded.skipped());
  }

  private void reject(String message) {
    reloadErrors.incrementAndGet();
    lastError = message;
    log.warn("price file rejected, keeping the last good price book: {}", message);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Stops watching; the pricing view keeps its current book. Never throws. */
  @Override
  public void close() {
    closed = true;
    WatchService ws = watchService;
    if (ws != null) {
      try {
        ws.close();
      } catch (IOException e) {
        log.debug("closing the watch service of {}", file, e);
      }
    }
    Thread t = thread;
    if (t != null && t != Thread.currentThread()) {
      t.interrupt();
      try {
        t.join(TimeUnit.SECONDS.toMillis(2));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Configuration of a {@link PriceFileWatcher}. */
  public static final class Builder {
    private final Path file;
    private final Pricing pricing;
    private PriceBook defaults;
    private Duration pollInterval = Duration.ofSeconds(1);

    private Builder(Path file, Pricing pricing) {
      this.file = file;
      this.pricing = pricing;
    }

    /** The book the file overrides model by model; the bundled default book if not set. */
    public Builder defaults(PriceBook defaults) {
      this.defaults = defaults;
      return this;
    }

    /** How often to check the file without a change notification; one second if not set. */
    public Builder pollInterval(Duration interval) {
      if (interval == null || interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("poll interval must be positive, got " + interval);
      }
      this.pollInterval = interval;
      return this;
    }

    /** Checks the file once on this thread, applies it if valid, then watches it in the background. */
    public PriceFileWatcher start() {
      PriceFileWatcher w = new PriceFileWatcher(this);
      w.begin();
      return w;
    }
  }
}
