package dev.tokenmeter.ingest.babysitter;

import dev.tokenmeter.ingest.Directories;
import dev.tokenmeter.ingest.IngestErrors;
import dev.tokenmeter.usage.IdempotencyKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Follows a babysitter runs directory: each {@link #poll} reads the journal entries written since
 * the last one, run by run. A journal file is written once, so following it is remembering the
 * last file read; a file still half-written (the newest, or one changed in the last ten seconds
 * when parallel writers overlap) is retried on the next poll, and the read waits for it so that
 * entries stay in journal order. Entries are deduplicated by their idempotency key in one window
 * across runs, as the meter does; reading the runs again from the start finds the same entries.
 * A run directory that vanishes is forgotten.
 *
 * <p>{@code since}: at first sight, a run whose journal directory was last written before it is
 * not read; it is read whole, from its first entry, once an entry is added to it.
 *
 * <p>Memory: one entry per run directory and the key window. Not thread-safe: one thread polls.
 */
public final class JournalTail {

  private final Path runsDir;
  /** Longer than any pause of a writer between its first and last byte. */
  private static final Duration SETTLE = Duration.ofSeconds(10);

  private final JournalReader reader =
      new JournalReader(JournalReader.DEFAULT_MAX_FILE_BYTES, SETTLE);
  private final IdempotencyKeys seen;
  private final Map<Path, String> lastRead = new HashMap<>();
  private final List<Path> directories = new ArrayList<>();

  private final FileTime since;
  private int skipped;

  /**
   * @param since read only runs written to at or after this time, the others once they are
   *     written to again; null reads everything
   */
  public JournalTail(Path runsDir, int keyWindow, Instant since) {
    this.runsDir = Objects.requireNonNull(runsDir, "runsDir");
    this.seen = new IdempotencyKeys(keyWindow);
    this.since = since == null ? null : FileTime.from(since);
  }

  public Path runsDir() {
    return runsDir;
  }

  /** The directories the last poll listed: where new runs and entries will show up. */
  public List<Path> directories() {
    return List.copyOf(directories);
  }

  /** How many runs are followed now. */
  public int runs() {
    return lastRead.size();
  }

  /** How many runs the last poll left unread, not written to since {@code since}. */
  public int skipped() {
    return skipped;
  }

  /**
   * Reads what is new. Never throws for bad input; a missing runs directory is not an error (no
   * run has started yet).
   */
  public void poll(JournalListener listener, IngestErrors errors) {
    directories.clear();
    skipped = 0;
    if (!Files.isDirectory(runsDir)) {
      lastRead.clear();
      return;
    }
    directories.add(runsDir);
    Set<Path> present = new HashSet<>();
    for (Path runDir : new Directories(errors).list(runsDir)) {
      Path journal = runDir.resolve("journal");
      if (!Files.isDirectory(journal)) {
        if (Files.isDirectory(runDir)) {
          directories.add(runDir); // its journal directory may be created next
        }
        continue;
      }
      directories.add(runDir);
      directories.add(journal);
      if (!lastRead.containsKey(runDir) && writtenBefore(journal)) {
        skipped++;
        continue;
      }
      present.add(runDir);
      String last = reader.read(runDir, lastRead.get(runDir), seen, listener, errors);
      if (last != null) {
        lastRead.put(runDir, last);
      }
    }
    lastRead.keySet().retainAll(present);
  }

  /** Whether {@code since} is set and the directory was last written before it. */
  private boolean writtenBefore(Path journal) {
    if (since == null) {
      return false;
    }
    try {
      return Files.getLastModifiedTime(journal).compareTo(since) < 0;
    } catch (IOException e) {
      return false; // read it, and let the reader report what is wrong
    }
  }
}
