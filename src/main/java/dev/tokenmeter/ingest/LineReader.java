package dev.tokenmeter.ingest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Streams the complete lines of a file from a {@link Position}, in bounded memory.
 *
 * <ul>
 *   <li>A last line without its {@code \n} is a line still being written: it is not handed out
 *       and the returned position stops before it, so the next read retries it. It is not an
 *       error.
 *   <li>A line longer than the limit is skipped, never buffered whole, and reported once.
 *   <li>I/O failures (file gone, no permission, symlink loop) are reported, never thrown; the
 *       lines read before the failure are kept.
 * </ul>
 *
 * <p>Thread-safe: the reader holds only its limit.
 */
public final class LineReader {

  /** Longer lines are skipped. Claude Code lines with pasted images reach a few MB. */
  public static final int DEFAULT_MAX_LINE_BYTES = 8 << 20;

  private static final int CHUNK = 64 << 10;

  /** Receives one complete line, without its line terminator. The array is reused after return. */
  @FunctionalInterface
  public interface LineHandler {
    void line(byte[] bytes, int length, long lineNumber);
  }

  private final int maxLineBytes;

  public LineReader(int maxLineBytes) {
    if (maxLineBytes < 1) {
      throw new IllegalArgumentException("maxLineBytes must be positive, got " + maxLineBytes);
    }
    this.maxLineBytes = maxLineBytes;
  }

  public LineReader() {
    this(DEFAULT_MAX_LINE_BYTES);
  }

  public int maxLineBytes() {
    return maxLineBytes;
  }

  /**
   * Hands every complete line after {@code from} to {@code handler} and returns the position
   * after the last complete line. Never throws for bad input or I/O trouble.
   */
  public Position read(Path file, Position from, LineHandler handler, IngestErrors errors) {
    long committed = from.offset();
    long lineNumber = from.lines();
    boolean opened = false;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      opened = true;
      long size = ch.size();
      if (size < committed) {
        errors.report(new IngestError(file, 0,
            "file shrank to " + size + " bytes, below the " + committed + " already read; not re-read"));
        return from;
      }
      ch.position(committed);
      ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
      byte[] line = new byte[Math.min(8 << 10, maxLineBytes)];
      int length = 0;
      long lineBytes = 0; // the true length, also past the limit
      long consumed = committed;
      int n;
      while ((n = ch.read(chunk)) != -1) {
        if (n == 0) {
          continue;
        }
        byte[] a = chunk.array();
        for (int i = 0; i < n; i++) {
          byte b = a[i];
          consumed++;
          if (b != '\n') {
            lineBytes++;
            if (lineBytes <= maxLineBytes) {
              if (length == line.length) {
                line = Arrays.copyOf(line, (int) Math.min((long) line.length * 2, maxLineBytes));
              }
              line[length++] = b;
            }
            continue;
          }
          lineNumber++;
          if (lineBytes > maxLineBytes) {
            errors.report(new IngestError(file, lineNumber, "line is " + lineBytes
                + " bytes, over the limit of " + maxLineBytes + "; skipped"));
          } else {
            int len = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
            if (!isBlank(line, len)) {
              deliver(file, handler, errors, line, len, lineNumber);
            }
          }
          committed = consumed;
          length = 0;
          lineBytes = 0;
        }
        chunk.clear();
      }
    } catch (NoSuchFileException e) {
      errors.report(new IngestError(file, 0, "file disappeared before it could be read"));
    } catch (IOException | RuntimeException e) {
      errors.report(new IngestError(file, opened ? lineNumber + 1 : 0,
          "cannot read: " + describe(e)));
    }
    return Position.of(committed, lineNumber);
  }

  private static void deliver(
      Path file, LineHandler handler, IngestErrors errors, byte[] line, int len, long lineNumber) {
    try {
      handler.line(line, len, lineNumber);
    } catch (RuntimeException e) {
      // A parser bug must not lose the rest of the file.
      errors.report(new IngestError(file, lineNumber, "internal error: " + describe(e)));
    }
  }

  private static boolean isBlank(byte[] b, int len) {
    for (int i = 0; i < len; i++) {
      if (b[i] != ' ' && b[i] != '\t') {
        return false;
      }
    }
    return true;
  }

  /** The exception class and message, e.g. "AccessDeniedException: /x". */
  public static String describe(Exception e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
