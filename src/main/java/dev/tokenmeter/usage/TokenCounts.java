package dev.tokenmeter.usage;

import java.util.LinkedHashMap;
import java.util.Map;

/** An immutable set of token counts, one per {@link TokenType}. Counts are never negative. */
public final class TokenCounts {

  public static final TokenCounts ZERO = new TokenCounts(0, 0, 0, 0, 0);

  private final long input;
  private final long output;
  private final long cacheRead;
  private final long cacheWrite5m;
  private final long cacheWrite1h;

  private TokenCounts(long input, long output, long cacheRead, long cacheWrite5m, long cacheWrite1h) {
    this.input = input;
    this.output = output;
    this.cacheRead = cacheRead;
    this.cacheWrite5m = cacheWrite5m;
    this.cacheWrite1h = cacheWrite1h;
  }

  /**
   * The most tokens of one type that one event read from outside (HTTP, journals, transcripts)
   * may carry: a thousand times any model call. Counters add up in longs; at this bound they hold
   * 9 billion events, where events of 2^63 - 1 tokens overflowed them at the second one.
   */
  public static final long MAX_PER_EVENT = 1_000_000_000L;

  /** @throws IllegalArgumentException if any count is negative */
  public static TokenCounts of(
      long input, long output, long cacheRead, long cacheWrite5m, long cacheWrite1h) {
    requireNonNegative(input, "inputTokens");
    requireNonNegative(output, "outputTokens");
    requireNonNegative(cacheRead, "cacheReadTokens");
    requireNonNegative(cacheWrite5m, "cacheWrite5mTokens");
    requireNonNegative(cacheWrite1h, "cacheWrite1hTokens");
    return new TokenCounts(input, output, cacheRead, cacheWrite5m, cacheWrite1h);
  }

  private static void requireNonNegative(long v, String field) {
    if (v < 0) {
      throw new IllegalArgumentException(field + " must not be negative, got " + v);
    }
  }

  public long input() {
    return input;
  }

  public long output() {
    return output;
  }

  public long cacheRead() {
    return cacheRead;
  }

  public long cacheWrite5m() {
    return cacheWrite5m;
  }

  public long cacheWrite1h() {
    return cacheWrite1h;
  }

  public long get(TokenType type) {
    switch (type) {
      case INPUT:
        return input;
      case OUTPUT:
        return output;
      case CACHE_READ:
        return cacheRead;
      case CACHE_WRITE_5M:
        return cacheWrite5m;
      default:
        return cacheWrite1h;
    }
  }

  /** Input-side tokens of one request: what decides its long-context tier. */
  public long contextTokens() {
    return input + cacheRead + cacheWrite5m + cacheWrite1h;
  }

  public long total() {
    return input + output + cacheRead + cacheWrite5m + cacheWrite1h;
  }

  public boolean isZero() {
    return total() == 0;
  }

  public TokenCounts plus(TokenCounts o) {
    return new TokenCounts(
        Math.addExact(input, o.input),
        Math.addExact(output, o.output),
        Math.addExact(cacheRead, o.cacheRead),
        Math.addExact(cacheWrite5m, o.cacheWrite5m),
        Math.addExact(cacheWrite1h, o.cacheWrite1h));
  }

  /** The counts keyed by {@code token_type} label, in enum order. */
  public Map<String, Long> toLabelMap() {
    Map<String, Long> m = new LinkedHashMap<>();
    for (TokenType t : TokenType.all()) {
      m.put(t.label(), get(t));
    }
    return m;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TokenCounts)) {
      return false;
    }
    TokenCounts t = (TokenCounts) o;
    return input == t.input
        && output == t.output
        && cacheRead == t.cacheRead
        && cacheWrite5m == t.cacheWrite5m
        && cacheWrite1h == t.cacheWrite1h;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(input) * 31 * 31 * 31 * 31
        + Long.hashCode(output) * 31 * 31 * 31
        + Long.hashCode(cacheRead) * 31 * 31
        + Long.hashCode(cacheWrite5m) * 31
        + Long.hashCode(cacheWrite1h);
  }

  @Override
  public String toString() {
    return "TokenCounts{input=" + input + ", output=" + output + ", cacheRead=" + cacheRead
        + ", cacheWrite5m=" + cacheWrite5m + ", cacheWrite1h=" + cacheWrite1h + "}";
  }
}
