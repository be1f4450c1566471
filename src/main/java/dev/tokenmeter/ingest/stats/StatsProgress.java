package dev.tokenmeter.ingest.stats;

import java.nio.file.Path;

/** Told as a scan goes, for a progress bar. Called on the scanning thread; must be quick. */
@FunctionalInterface
public interface StatsProgress {

  StatsProgress NONE = (file, bytes) -> {};

  /** A transcript file was read: {@code bytes} of it, up to its last complete line. */
  void transcriptRead(Path file, long bytes);
}
