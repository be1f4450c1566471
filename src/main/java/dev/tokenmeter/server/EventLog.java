package dev.tokenmeter.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.budget.Breakpoint;
import dev.tokenmeter.budget.HistoryEntry;
import dev.tokenmeter.budget.MeterListener;
import dev.tokenmeter.budget.ThresholdCrossing;
import dev.tokenmeter.usage.UsageEvent;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A bounded ring of recent meter events, numbered from 1, for the server-sent events stream.
 * The listener side only appends, without a lock (the JSON is written later, once, by the first
 * reader), so neither a slow client nor another run ever slows recording; a client that reconnects with {@code Last-Event-ID} gets
 * what is still in the ring after that id.
 */
final class EventLog implements MeterListener {

  /** One event; its data is rendered on first read and then kept. */
  static final class Entry {
    final long id;
    final String type;
    private final Supplier<ObjectNode> render;
    private volatile String data;

    Entry(long id, String type, Supplier<ObjectNode> render) {
      this.id = id;
      this.type = type;
      this.render = render;
    }

    String data() {
      String d = data;
      if (d == null) {
        d = Json.write(render.get());
        data = d;
      }
      return d;
    }
  }

  private final AtomicReferenceArray<Entry> ring;
  private final AtomicLong lastId = new AtomicLong();
  /** Stream threads parked for the next event; appends unpark them without a lock. */
  private final Set<Thread> waiting = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  EventLog(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("event buffer must hold at least 1 event, got " + capacity);
    }
    this.ring = new AtomicReferenceArray<>(capacity);
  }

  /** Lock-free: called on recording threads. */
  void append(String type, Supplier<ObjectNode> render) {
    long id = lastId.incrementAndGet();
    ring.set(slot(id), new Entry(id, type, render));
    for (Thread t : waiting) {
      LockSupport.unpark(t);
    }
  }

  private int slot(long id) {
    return (int) (id % ring.length());
  }

  long lastId() {
    return lastId.get();
  }

  /** Events after {@code id} still held, oldest first. */
  List<Entry> after(long id) {
    long last = lastId.get();
    long first = Math.max(Math.max(id + 1, last - ring.length() + 1), 1);
    List<Entry> out = new ArrayList<>();
    for (long i = first; i <= last; i++) {
      Entry e = ring.get(slot(i));
      if (e == null || e.id < i) {
        break; // numbered but not stored yet: its append unparks us when it is
      }
      if (e.id == i) {
        out.add(e);
      } // else overwritten by a newer event while reading: that one comes in order later
    }
    return out;
  }

  /**
   * Waits until an event after {@code id} arrives, the log closes, or the timeout passes.
   *
   * @return false when the log is closed
   */
  boolean await(long id, long timeoutMillis) throws InterruptedException {
    Thread me = Thread.currentThread();
    waiting.add(me);
    try {
      long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
      while (!closed && lastId.get() <= id) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        LockSupport.parkNanos(this, left);
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
      return !closed;
    } finally {
      waiting.remove(me);
    }
  }

  /** Ends every stream: the server is stopping. */
  void close() {
    closed = true;
    for (Thread t : waiting) {
      LockSupport.unpark(t);
    }
  }

  // ---------------------------------------------------------------- the meter's events

  @Override
  public void onUsage(UsageEvent e, BigDecimal costUsd) {
    // An event posted without a timestamp is stamped with the time it was recorded, so that every
    // usage event on the stream says when it happened (the dashboard draws each call at it, also
    // when the events are replayed to a page opened later).
    Instant at = e.timestamp() != null ? e.timestamp() : Instant.now();
    append(
        "usage",
        () -> {
          ObjectNode o = Json.object();
          o.put("run", e.run());
          o.put("session", e.session());
          o.put("subagent", e.subagent());
          o.put("model", e.model());
          o.set("tokens", RunJson.tokens(e.tokens()));
          o.put("costUsd", Json.money(costUsd));
          o.put("timestamp", Json.instant(at));
          return o;
        });
  }

  @Override
  public void onThreshold(ThresholdCrossing c) {
    append(
        "threshold",
        () -> {
          ObjectNode o = Json.object();
          o.put("run", c.run());
          o.put("session", c.session());
          o.put("scope", c.scope().label());
          o.put("scopeKey", c.scopeKey());
          o.put("fraction", c.threshold().fraction().toPlainString());
          o.put("action", c.threshold().action().label());
          o.put("costUsd", Json.money(c.costUsd()));
          o.put("budgetUsd", Json.money(c.budgetUsd()));
          o.put("at", Json.instant(c.at()));
          return o;
        });
  }

  @Override
  public void onPause(String run, String session, Breakpoint bp) {
    append(
        "pause",
        () -> {
          ObjectNode o = Json.object();
          o.put("run", run);
          o.put("session", session);
          o.set("breakpoint", RunJson.breakpoint(bp));
          return o;
        });
  }

  @Override
  public void onResume(String run, String session, HistoryEntry h) {
    append(
        "resume",
        () -> {
          ObjectNode o = Json.object();
          o.put("run", run);
          o.put("session", session);
          o.put("at", Json.instant(h.at()));
          o.put("source", h.source());
          o.put("by", h.by());
          o.put("reason", h.reason());
          o.put("costUsd", Json.money(h.costUsd()));
          o.put("budgetUsd", Json.money(h.budgetUsd()));
          return o;
        });
  }
}
