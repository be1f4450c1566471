package dev.tokenmeter.ingest.stats;

import dev.tokenmeter.usage.TokenCounts;
import java.math.BigDecimal;
import java.util.Map;

/** The running sums of one group. Mutable, single-threaded; becomes a {@link StatsRow}. */
final class Accumulator {

  final Map<Dimension, String> key;
  long calls;
  private final long[] tokens = new long[5];
  private BigDecimal cost = BigDecimal.ZERO;
  private boolean priced;
  private long unpricedTokens;

  Accumulator(Map<Dimension, String> key) {
    this.key = key;
  }

  void addTokens(TokenCounts t) {
    tokens[0] += t.input();
    tokens[1] += t.output();
    tokens[2] += t.cacheRead();
    tokens[3] += t.cacheWrite5m();
    tokens[4] += t.cacheWrite1h();
  }

  /** Adds (sign +1) or takes back (sign -1) a priced amount. */
  void addCost(BigDecimal usd, int sign) {
    cost = sign > 0 ? cost.add(usd) : cost.subtract(usd);
    priced = true;
  }

  void addUnpriced(long n, int sign) {
    unpricedTokens += sign * n;
  }

  StatsRow toRow() {
    TokenCounts t = TokenCounts.of(tokens[0], tokens[1], tokens[2], tokens[3], tokens[4]);
    return new StatsRow(key, calls, t, priced ? cost.stripTrailingZeros() : null, unpricedTokens);
  }
}
