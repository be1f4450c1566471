package dev.tokenmeter.usage;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one (run, subagent, model): tokens by type, split by whether the request was
 * billed at its model's long-context tier, and the number of requests. The tier is decided per
 * request when it is recorded, because it depends on that request's size alone.
 *
 * <p>Adds are lock-free and allocation-free once the adders have settled.
 */
public final class Series {

  private static final int TYPES = 5;

  private final String subagent;
  private final String model;
  private final LongAdder[] tokens = new LongAdder[2 * TYPES];
  private final LongAdder requests = new LongAdder();

  Series(String subagent, String model) {
    this.subagent = subagent;
    this.model = model;
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = new LongAdder();
    }
  }

  public String subagent() {
    return subagent;
  }

  public String model() {
    return model;
  }

  /** Adds one request. Counts must be non-negative; callers validate. */
  public void add(
      boolean longContext, long input, long output, long cacheRead, long cacheWrite5m,
      long cacheWrite1h) {
    int base = longContext ? TYPES : 0;
    addIfPositive(base, input);
    addIfPositive(base + 1, output);
    addIfPositive(base + 2, cacheRead);
    addIfPositive(base + 3, cacheWrite5m);
    addIfPositive(base + 4, cacheWrite1h);
    requests.increment();
  }

  /**
   * Adds tokens to a request already counted: a streamed response whose later copy reports more.
   * Counts must be non-negative; callers validate.
   */
  public void grow(
      boolean longContext, long input, long output, long cacheRead, long cacheWrite5m,
      long cacheWrite1h) {
    int base = longContext ? TYPES : 0;
    addIfPositive(base, input);
    addIfPositive(base + 1, output);
    addIfPositive(base + 2, cacheRead);
    addIfPositive(base + 3, cacheWrite5m);
    addIfPositive(base + 4, cacheWrite1h);
  }

  private void addIfPositive(int i, long n) {
    if (n != 0) {
      tokens[i].add(n);
    }
  }

  /** Tokens of requests billed at base prices ({@code longContext=false}) or at the tier's. */
  public TokenCounts tokens(boolean longContext) {
    int base = longContext ? TYPES : 0;
    return TokenCounts.of(
        tokens[base].sum(),
        tokens[base + 1].sum(),
        tokens[base + 2].sum(),
        tokens[base + 3].sum(),
        tokens[base + 4].sum());
  }

  /** Tokens of both tiers together. */
  public TokenCounts tokens() {
    return tokens(false).plus(tokens(true));
  }

  public long requests() {
    return requests.sum();
  }
}
