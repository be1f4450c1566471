package dev.tokenmeter.usage;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers the idempotency keys of recent events so that an event seen twice counts once.
 *
 * <p>Memory is bounded: the most recent {@code capacity} keys are kept (a ring of insertion
 * order), about 100 bytes each plus the key's characters; an older key that comes back after
 * falling out of the window counts again. The default window of 100,000 keys costs about 10 to
 * 20 MB.
 */
public final class IdempotencyKeys {

  public static final int DEFAULT_CAPACITY = 100_000;

  private final ConcurrentHashMap<String, Boolean> seen;
  private final String[] ring;
  private int next;

  public IdempotencyKeys(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    this.seen = new ConcurrentHashMap<>(Math.min(capacity, 1 << 16));
    this.ring = new String[capacity];
  }

  /** Claims {@code key}: true the first time it is seen within the window, false after. */
  public boolean claim(String key) {
    if (seen.putIfAbsent(key, Boolean.TRUE) != null) {
      return false;
    }
    synchronized (ring) {
      String evicted = ring[next];
      ring[next] = key;
      next = (next + 1) % ring.length;
      if (evicted != null) {
        seen.remove(evicted);
      }
    }
    return true;
  }

  /** Forgets a claim, for a caller whose recording failed after claiming. */
  public void release(String key) {
    seen.remove(key);
  }

  public boolean contains(String key) {
    return seen.containsKey(key);
  }

  public int size() {
    return seen.size();
  }

  public int capacity() {
    return ring.length;
  }
}
