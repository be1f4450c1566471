package dev.tokenmeter.usage;

/** The five billable token kinds. {@link #label()} is the {@code token_type} label value. */
public enum TokenType {
  INPUT("input"),
  OUTPUT("output"),
  CACHE_READ("cache_read"),
  CACHE_WRITE_5M("cache_write_5m"),
  CACHE_WRITE_1H("cache_write_1h");

  private static final TokenType[] VALUES = values();

  private final String label;

  TokenType(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** Cached {@code values()}: iterating it does not allocate. */
  public static TokenType[] all() {
    return VALUES;
  }

  public static TokenType fromLabel(String label) {
    for (TokenType t : VALUES) {
      if (t.label.equals(label)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown token type '" + label + "'");
  }
}
