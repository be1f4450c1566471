package dev.tokenmeter.ingest.stats;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** How amounts of USD are written. */
final class Money {

  private Money() {}

  /** Exact, plain (never {@code 1E-7}), at least two places: {@code "12.345678"}, {@code "0.00"}. */
  static String exact(BigDecimal usd) {
    BigDecimal v = usd.stripTrailingZeros();
    return v.setScale(Math.max(2, v.scale())).toPlainString();
  }

  /** Rounded to six places, for people: tables only. */
  static String rounded(BigDecimal usd) {
    return usd.setScale(6, RoundingMode.HALF_EVEN).toPlainString();
  }
}
