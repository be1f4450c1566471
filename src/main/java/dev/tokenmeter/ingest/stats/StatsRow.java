package dev.tokenmeter.ingest.stats;

import dev.tokenmeter.usage.TokenCounts;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The numbers of one group (or of all, for the totals). Immutable. */
public final class StatsRow {

  private final Map<Dimension, String> key;
  private final long calls;
  private final TokenCounts tokens;
  private final BigDecimal costUsd;
  private final long unpricedTokens;

  StatsRow(Map<Dimension, String> key, long calls, TokenCounts tokens, BigDecimal costUsd,
      long unpricedTokens) {
    this.key = Collections.unmodifiableMap(new LinkedHashMap<>(key));
    this.calls = calls;
    this.tokens = tokens;
    this.costUsd = costUsd;
    this.unpricedTokens = unpricedTokens;
  }

  /** The group's value of each dimension, in the query's order; empty for the totals. */
  public Map<Dimension, String> key() {
    return key;
  }

  /** Model calls (API responses, each counted once). */
  public long calls() {
    return calls;
  }

  public TokenCounts tokens() {
    return tokens;
  }

  /**
   * The exact cost of the priced tokens; null when none of the group's tokens could be priced (an
   * unknown cost is never shown as zero). See {@link #unpricedTokens()} for what it leaves out.
   */
  public BigDecimal costUsd() {
    return costUsd;
  }

  /** Tokens whose cost is unknown (model without a price, or no reported cost). */
  public long unpricedTokens() {
    return unpricedTokens;
  }

  /**
   * Cache reads as a share of all input-side tokens: {@code cache_read / (input + cache_read +
   * cache writes)}, to 4 places; null when there is no input.
   */
  public BigDecimal cacheShare() {
    long context = tokens.contextTokens();
    if (context == 0) {
      return null;
    }
    return BigDecimal.valueOf(tokens.cacheRead())
        .divide(BigDecimal.valueOf(context), 4, RoundingMode.HALF_EVEN);
  }

  @Override
  public String toString() {
    return "StatsRow{" + key + ", calls=" + calls + ", " + tokens + ", costUsd=" + costUsd
        + ", unpricedTokens=" + unpricedTokens + "}";
  }
}
