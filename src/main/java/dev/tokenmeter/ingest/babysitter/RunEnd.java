package dev.tokenmeter.ingest.babysitter;

import java.nio.file.Path;
import java.time.Instant;

/** A journal entry that ends a run: {@code RUN_COMPLETED}, {@code RUN_FAILED} or {@code RUN_HALTED}. */
public final class RunEnd {

  private final String run;
  private final String type;
  private final Instant recordedAt;
  private final Path file;

  RunEnd(String run, String type, Instant recordedAt, Path file) {
    this.run = run;
    this.type = type;
    this.recordedAt = recordedAt;
    this.file = file;
  }

  public String run() {
    return run;
  }

  /** The entry type, e.g. {@code RUN_FAILED}. */
  public String type() {
    return type;
  }

  /** When it was recorded, or null. */
  public Instant recordedAt() {
    return recordedAt;
  }

  public Path file() {
    return file;
  }

  @Override
  public String toString() {
    return "RunEnd{" + run + " " + type + " at " + recordedAt + "}";
  }
}
