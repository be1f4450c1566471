package dev.tokenmeter.ingest;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One bad input: the file, the 1-based line (0 when the problem is the file or directory itself)
 * and what was wrong. Immutable.
 */
public final class IngestError {

  private final Path file;
  private final long line;
  private final String message;

  public IngestError(Path file, long line, String message) {
    this.file = Objects.requireNonNull(file, "file");
    this.line = line;
    this.message = Objects.requireNonNull(message, "message");
  }

  public Path file() {
    return file;
  }

  /** The 1-based line, or 0 when the error is about the whole file or directory. */
  public long line() {
    return line;
  }

  public String message() {
    return message;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof IngestError)) {
      return false;
    }
    IngestError e = (IngestError) o;
    return file.equals(e.file) && line == e.line && message.equals(e.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(file, line, message);
  }

  /** {@code file:line: message}, the form compilers use, so editors can jump to it. */
  @Override
  public String toString() {
    return line > 0 ? file + ":" + line + ": " + message : file + ": " + message;
  }
}
