package dev.tokenmeter.ingest.claude;

import dev.tokenmeter.usage.TokenCounts;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Counts every API response once, however many copies of it the transcripts hold: streamed
 * lines of one message, a subagent file, a sidechain replayed inline in the parent.
 *
 * <p>Copies share {@link ClaudeCall#key()}. Streamed copies grow (later lines carry more output
 * tokens), so the response's usage is each count's largest value over its copies: that is the
 * final line's usage, and it does not depend on which file is read first. The first copy seen
 * fixes the response's attachment (its labels, or where the caller adds it up); later copies
 * only add what they grew by.
 *
 * <p>State is one entry per distinct response: its key (about 60 characters), its largest counts
 * and the attachment, about 200 bytes. At most {@code capacity} are kept, oldest first out; a copy
 * of an evicted response would count again, so the scope the caller keeps one for (a project
 * directory for {@code tokens:stats}, a sliding window for a tailer) must fit. Not thread-safe.
 *
 * @param <T> what the caller attaches to a response on its first copy
 */
public final class ResponseDedupe<T> {

  public static final int DEFAULT_CAPACITY = 1_000_000;

  private final int capacity;
  private final LinkedHashMap<String, Entry<T>> seen;

  public ResponseDedupe(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    this.capacity = capacity;
    this.seen = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry<T>> eldest) {
        return size() > ResponseDedupe.this.capacity;
      }
    };
  }

  public ResponseDedupe() {
    this(DEFAULT_CAPACITY);
  }

  /**
   * Offers one copy. Returns what it adds, or null when it adds nothing (a copy no larger than
   * what was already counted). {@code attach} is called only for the first copy.
   */
  public Counted<T> offer(ClaudeCall copy, Function<ClaudeCall, T> attach) {
    Entry<T> e = seen.get(copy.key());
    if (e == null) {
      T attachment = attach.apply(copy);
      seen.put(copy.key(), new Entry<>(copy.tokens(), copy.reportedCostUsd(), attachment));
      return new Counted<>(true, TokenCounts.ZERO, copy.tokens(), null, copy.reportedCostUsd(),
          attachment);
    }
    TokenCounts grown = max(e.tokens, copy.tokens());
    BigDecimal cost = max(e.reportedCostUsd, copy.reportedCostUsd());
    if (grown.equals(e.tokens) && same(cost, e.reportedCostUsd)) {
      return null;
    }
    Counted<T> c = new Counted<>(false, e.tokens, grown, e.reportedCostUsd, cost, e.attachment);
    e.tokens = grown;
    e.reportedCostUsd = cost;
    return c;
  }

  public int size() {
    return seen.size();
  }

  /** Forgets every response, e.g. when a scope (a project directory) is done. */
  public void clear() {
    seen.clear();
  }

  private static TokenCounts max(TokenCounts a, TokenCounts b) {
    return TokenCounts.of(
        Math.max(a.input(), b.input()),
        Math.max(a.output(), b.output()),
        Math.max(a.cacheRead(), b.cacheRead()),
        Math.max(a.cacheWrite5m(), b.cacheWrite5m()),
        Math.max(a.cacheWrite1h(), b.cacheWrite1h()));
  }

  private static BigDecimal max(BigDecimal a, BigDecimal b) {
    if (a == null) {
      return b;
    }
    return b == null || a.compareTo(b) >= 0 ? a : b;
  }

  private static boolean same(BigDecimal a, BigDecimal b) {
    return a == null ? b == null : b != null && a.compareTo(b) == 0;
  }

  private static final class Entry<T> {
    TokenCounts tokens;
    BigDecimal reportedCostUsd;
    final T attachment;

    Entry(TokenCounts tokens, BigDecimal reportedCostUsd, T attachment) {
      this.tokens = tokens;
      this.reportedCostUsd = reportedCostUsd;
      this.attachment = attachment;
    }
  }

  /**
   * What one copy adds: a new call, or growth of one already counted. The response's usage went
   * from {@link #previous()} to {@link #current()}; a consumer that prices per request prices
   * both and adds the difference, so the sum is the final usage priced at its own tier.
   * Immutable.
   */
  public static final class Counted<T> {
    private final boolean newCall;
    private final TokenCounts previous;
    private final TokenCounts current;
    private final BigDecimal previousReportedCostUsd;
    private final BigDecimal currentReportedCostUsd;
    private final T attachment;

    Counted(boolean newCall, TokenCounts previous, TokenCounts current,
        BigDecimal previousReportedCostUsd, BigDecimal currentReportedCostUsd, T attachment) {
      this.newCall = newCall;
      this.previous = previous;
      this.current = current;
      this.previousReportedCostUsd = previousReportedCostUsd;
      this.currentReportedCostUsd = currentReportedCostUsd;
      this.attachment = attachment;
    }

    /** True for the first copy of a response: one more call. */
    public boolean isNewCall() {
      return newCall;
    }

    /** The response's usage before this copy; zero for a new call. */
    public TokenCounts previous() {
      return previous;
    }

    /** The response's usage with this copy. */
    public TokenCounts current() {
      return current;
    }

    /** {@code current - previous}, count by count: what to add to token counters. */
    public TokenCounts added() {
      return TokenCounts.of(
          current.input() - previous.input(),
          current.output() - previous.output(),
          current.cacheRead() - previous.cacheRead(),
          current.cacheWrite5m() - previous.cacheWrite5m(),
          current.cacheWrite1h() - previous.cacheWrite1h());
    }

    /** The largest reported cost before this copy, or null. */
    public BigDecimal previousReportedCostUsd() {
      return previousReportedCostUsd;
    }

    /** The largest reported cost with this copy, or null. */
    public BigDecimal currentReportedCostUsd() {
      return currentReportedCostUsd;
    }

    public T attachment() {
      return attachment;
    }
  }
}
