package dev.tokenmeter.pricing;

import java.util.List;

/**
 * A loaded price file: the book, its format, and what was left out. A native file loads all its
 * models or fails; a LiteLLM file skips entries that have no usable token prices and says which
 * and why, for {@code prices check}.
 */
public final class LoadResult {

  /** The price file formats, told apart by content. */
  public enum Format {
    NATIVE,
    LITELLM
  }

  /** An entry that was not loaded, with the line it starts on and the reason. */
  public record Skipped(String name, int line, String reason) {}

  private final PriceBook book;
  private final Format format;
  private final List<Skipped> skipped;

  LoadResult(PriceBook book, Format format, List<Skipped> skipped) {
    this.book = book;
    this.format = format;
    this.skipped = List.copyOf(skipped);
  }

  public PriceBook book() {
    return book;
  }

  public Format format() {
    return format;
  }

  /** The number of models loaded. */
  public int loaded() {
    return book.size();
  }

  /** The number of entries skipped. */
  public int skipped() {
    return skipped.size();
  }

  public List<Skipped> skippedEntries() {
    return skipped;
  }

  @Override
  public String toString() {
    return book.source() + ": " + format + ", " + loaded() + " loaded, " + skipped() + " skipped";
  }
}
