package dev.tokenmeter.pricing;

import dev.tokenmeter.usage.Ledger;
import dev.tokenmeter.usage.TokenCounts;
import dev.tokenmeter.usage.TokenType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * Decimal USD prices per million tokens, one per {@link TokenType}. Immutable.
 *
 * <p>Missing prices fall back so that no token is ever priced at a silent zero: cache read and
 * 5-minute cache write fall back to the input price, 1-hour cache write to the 5-minute price.
 * Loaders say in their docs when they rely on that.
 */
public final class Prices {

  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
  private static final BigDecimal PICO_PER_MILLION_USD = BigDecimal.valueOf(1_000_000); // 1e12/1e6

  private final BigDecimal[] perMillion = new BigDecimal[5];
  private final long[] picoPerToken = new long[5];
  private final boolean exactPico;

  private Prices(BigDecimal[] values) {
    boolean exact = true;
    for (int i = 0; i < 5; i++) {
      BigDecimal v = values[i].stripTrailingZeros();
      if (v.signum() < 0) {
        throw new IllegalArgumentException(
            TokenType.all()[i].label() + " price must not be negative, got " + v.toPlainString());
      }
      String range = outOfRange(v);
      if (range != null) {
        throw new IllegalArgumentException(TokenType.all()[i].label() + " price " + range);
      }
      perMillion[i] = v;
      BigDecimal pico = v.multiply(PICO_PER_MILLION_USD);
      // Budgets run on whole pico-USD; a price finer than that is rounded up, never down.
      BigDecimal rounded = pico.setScale(0, RoundingMode.CEILING);
      exact &= rounded.compareTo(pico) == 0;
      picoPerToken[i] = rounded.longValueExact();
    }
    this.exactPico = exact;
  }

  /** The largest price: 1,000 USD per token. */
  static final BigDecimal MAX_PER_MILLION = new BigDecimal("1000000000");
  /** The finest price: prices are rounded up to whole pico-USD per token anyway. */
  static final int MAX_DECIMALS = 24;

  /**
   * Why a per-million price cannot be used, or null. The bounds keep the pico-USD arithmetic in a
   * long and fast: 1e999999999 overflowed, and 1e-999999999 would expand into a billion digits.
   */
  static String outOfRange(BigDecimal perMillion) {
    BigDecimal v = perMillion.stripTrailingZeros();
    if (v.compareTo(MAX_PER_MILLION) > 0) {
      return "is out of range: above " + MAX_PER_MILLION.toPlainString() + " USD per million tokens";
    }
    if (v.scale() > MAX_DECIMALS) {
      return "is out of range: more than " + MAX_DECIMALS + " decimal places";
    }
    return null;
  }

  public static Builder builder() {
    return new Builder();
  }

  public BigDecimal perMillion(TokenType type) {
    return perMillion[type.ordinal()];
  }

  /** The price of one token in pico-USD, rounded up when the decimal price is finer. */
  public long picoPerToken(TokenType type) {
    return picoPerToken[type.ordinal()];
  }

  /** True when every price is a whole number of pico-USD per token, so pico sums are exact. */
  public boolean isExactInPico() {
    return exactPico;
  }

  /** The exact cost in USD of these tokens at these prices. */
  public BigDecimal cost(TokenCounts tokens) {
    if (exactPico) {
      // Same value as the decimal sum below, without a BigDecimal per token type: collection
      // prices every series on every scrape.
      long pico = costPico(tokens);
      if (pico != Long.MAX_VALUE) {
        return BigDecimal.valueOf(pico, 12).stripTrailingZeros();
      }
    }
    BigDecimal sum = BigDecimal.ZERO;
    for (TokenType t : TokenType.all()) {
      long n = tokens.get(t);
      if (n != 0) {
        sum = sum.add(perMillion[t.ordinal()].multiply(BigDecimal.valueOf(n)));
      }
    }
    return sum.divide(MILLION).stripTrailingZeros();
  }

  /**
   * The cost in pico-USD. Allocation-free, for the recording path. Saturates at
   * {@link Long#MAX_VALUE} rather than overflowing.
   */
  public long costPico(long input, long output, long cacheRead, long cacheWrite5m, long cacheWrite1h) {
    try {
      long c = Math.multiplyExact(input, picoPerToken[0]);
      c = Math.addExact(c, Math.multiplyExact(output, picoPerToken[1]));
      c = Math.addExact(c, Math.multiplyExact(cacheRead, picoPerToken[2]));
      c = Math.addExact(c, Math.multiplyExact(cacheWrite5m, picoPerToken[3]));
      return Math.addExact(c, Math.multiplyExact(cacheWrite1h, picoPerToken[4]));
    } catch (ArithmeticException overflow) {
      return Long.MAX_VALUE;
    }
  }

  public long costPico(TokenCounts t) {
    return costPico(t.input(), t.output(), t.cacheRead(), t.cacheWrite5m(), t.cacheWrite1h());
  }

  /** Converts pico-USD to an exact decimal USD amount. */
  public static BigDecimal picoToUsd(long pico) {
    return BigDecimal.valueOf(pico, 12).stripTrailingZeros();
  }

  /** Converts a USD amount to pico-USD, rounding up. */
  public static long usdToPico(BigDecimal usd) {
    return usd.multiply(BigDecimal.valueOf(Ledger.PICO_PER_USD))
        .setScale(0, RoundingMode.CEILING)
        .longValueExact();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Prices)) {
      return false;
    }
    Prices p = (Prices) o;
    for (int i = 0; i < 5; i++) {
      if (perMillion[i].compareTo(p.perMillion[i]) != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Objects.hash((Object[]) perMillion);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (TokenType t : TokenType.all()) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(t.label()).append(": ").append(perMillion[t.ordinal()].toPlainString());
    }
    return sb.append('}').toString();
  }

  /** Prices per million tokens; input and output are required. */
  public static final class Builder {
    private BigDecimal input;
    private BigDecimal output;
    private BigDecimal cacheRead;
    private BigDecimal cacheWrite5m;
    private BigDecimal cacheWrite1h;

    private Builder() {}

    public Builder input(BigDecimal v) {
      this.input = v;
      return this;
    }

    public Builder output(BigDecimal v) {
      this.output = v;
      return this;
    }

    public Builder cacheRead(BigDecimal v) {
      this.cacheRead = v;
      return this;
    }

    public Builder cacheWrite5m(BigDecimal v) {
      this.cacheWrite5m = v;
      return this;
    }

    public Builder cacheWrite1h(BigDecimal v) {
      this.cacheWrite1h = v;
      return this;
    }

    public Builder set(TokenType type, BigDecimal v) {
      switch (type) {
        case INPUT:
          return input(v);
        case OUTPUT:
          return output(v);
        case CACHE_READ:
          return cacheRead(v);
        case CACHE_WRITE_5M:
          return cacheWrite5m(v);
        default:
          return cacheWrite1h(v);
      }
    }

    /** @throws IllegalArgumentException if input or output is missing, or a price is negative */
    public Prices build() {
      if (input == null) {
        throw new IllegalArgumentException("input price is required");
      }
      if (output == null) {
        throw new IllegalArgumentException("output price is required");
      }
      BigDecimal read = cacheRead != null ? cacheRead : input;
      BigDecimal w5 = cacheWrite5m != null ? cacheWrite5m : input;
      BigDecimal w1 = cacheWrite1h != null ? cacheWrite1h : w5;
      return new Prices(new BigDecimal[] {input, output, read, w5, w1});
    }
  }
}
