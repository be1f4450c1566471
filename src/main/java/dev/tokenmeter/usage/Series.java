package dev.tokenmeter.usage;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one (run, subagent, model): tokens by type, split by whether the request was
 * billed at its model's long-context tier, and the number of requests. The tier is decided per
 * request when it is recorded, because it depends on that request's size alone.
 *
 * <p>Adds are lock-free and allocation-free once the adders have settled. An add takes one
 * compare-and-set: the thread that wins the series' {@code busy} flag adds its six counts to plain
 * cells and releases the flag; a thread that finds the flag taken never waits, it adds to the
 * {@link LongAdder}s instead. Reads sum both. So the common, uncontended add costs one atomic
 * instruction instead of six, and no add ever blocks. Each counter stays monotonic to its readers.
 */
public final class Series {

  private static final int TYPES = 5;
  /** Index of the request count in {@link #owned}. */
  private static final int REQUESTS = 2 * TYPES;

  private static final VarHandle BUSY;
  private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);

  static {
    try {
      BUSY = MethodHandles.lookup().findVarHandle(Series.class, "busy", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final String subagent;
  private final String model;
  /**
   * Counts added by the holder of {@link #busy}: tokens by tier and type, then requests. Written
   * only by the holder (the flag's release/acquire orders one holder's writes before the next
   * one's), read by anyone with opaque reads.
   */
  private final long[] owned = new long[2 * TYPES + 1];
  /** 1 while a thread adds to {@link #owned}. */
  @SuppressWarnings("unused")
  private volatile int busy;
  /** Counts added while another thread held {@link #busy}. */
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
    if (BUSY.compareAndSet(this, 0, 1)) {
      addOwned(base, input);
      addOwned(base + 1, output);
      addOwned(base + 2, cacheRead);
      addOwned(base + 3, cacheWrite5m);
      addOwned(base + 4, cacheWrite1h);
      addOwned(REQUESTS, 1);
      BUSY.setRelease(this, 0);
      return;
    }
    addIfPositive(base, input);
    addIfPositive(base + 1, output);
    addIfPositive(base + 2, cacheRead);
    addIfPositive(base + 3, cacheWrite5m);
    addIfPositive(base + 4, cacheWrite1h);
    requests.increment();
  }

  /** Only while holding {@link #busy}. */
  private void addOwned(int i, long n) {
    if (n != 0) {
      CELL.setOpaque(owned, i, owned[i] + n);
    }
  }

  private void addIfPositive(int i, long n) {
    if (n != 0) {
      tokens[i].add(n);
    }
  }

  private long count(int i) {
    return (long) CELL.getOpaque(owned, i);
  }

  /** Tokens of requests billed at base prices ({@code longContext=false}) or at the tier's. */
  public TokenCounts tokens(boolean longContext) {
    int base = longContext ? TYPES : 0;
    return TokenCounts.of(
        count(base) + tokens[base].sum(),
        count(base + 1) + tokens[base + 1].sum(),
        count(base + 2) + tokens[base + 2].sum(),
        count(base + 3) + tokens[base + 3].sum(),
        count(base + 4) + tokens[base + 4].sum());
  }

  /** Tokens of both tiers together. */
  public TokenCounts tokens() {
    return tokens(false).plus(tokens(true));
  }

  public long requests() {
    return count(REQUESTS) + requests.sum();
  }
}
