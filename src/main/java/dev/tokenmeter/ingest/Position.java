package dev.tokenmeter.ingest;

/**
 * How far a line-oriented file has been read: the byte offset just after the last complete line,
 * and that line's number. A live tailer keeps one per file and passes it back on the next read.
 * Immutable.
 */
public final class Position {

  public static final Position START = new Position(0, 0);

  private final long offset;
  private final long lines;

  private Position(long offset, long lines) {
    this.offset = offset;
    this.lines = lines;
  }

  public static Position of(long offset, long lines) {
    if (offset < 0 || lines < 0) {
      throw new IllegalArgumentException("offset and lines must not be negative");
    }
    return offset == 0 && lines == 0 ? START : new Position(offset, lines);
  }

  /** Bytes consumed: everything before this offset was complete lines. */
  public long offset() {
    return offset;
  }

  /** Complete lines consumed; the next line is {@code lines() + 1}. */
  public long lines() {
    return lines;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Position && ((Position) o).offset == offset && ((Position) o).lines == lines;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(offset) * 31 + Long.hashCode(lines);
  }

  @Override
  public String toString() {
    return "Position{offset=" + offset + ", lines=" + lines + "}";
  }
}
