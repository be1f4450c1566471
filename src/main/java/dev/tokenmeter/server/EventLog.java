package dev.tokenmeter.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.budget.Breakpoint;
import dev.tokenmeter.budget.HistoryEntry;
import dev.tokenmeter.budget.MeterListener;
import dev.tokenmeter.budget.ThresholdCrossing;
import dev.tokenmeter.usage.UsageEvent;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A bounded ring of recent meter events, numbered from 1, for the server-sent events stream.
 * The listener side only appends (the JSON is written later, once, by the first reader), so a
 * slow client never slows recording; a client that reconnects with {@code Last-Event-ID} gets
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

  private final Entry[] ring;
  private long lastId;
  private boolean closed;

  EventLog(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("event buffer must hold at least 1 event, got " + capacity);
    }
    this.ring = new Entry[capacity];
  }

  synchronized void append(String type, Supplier<ObjectNode> render) {
    lastId++;
    ring[(int) (lastId % ring.length)] = new Entry(lastId, type, render);
    notifyAll();
  }

  synchronized long lastId() {
    return lastId;
  }

  /** Events after {@code id} still held, oldest first. */
  synchronized List<Entry> after(long id) {
    long first = Math.max(id + 1, lastId - ring.length + 1);
    List<Entry> out = new ArrayList<>((int) Math.max(0, lastId - first + 1));
    for (long i = Math.max(first, 1); i <= lastId; i++) {
      out.add(ring[(int) (i % ring.length)]);
    }
    return out;
  }

  /**
   * Waits until an event after {@code id} arrives, the log closes, or the timeout passes.
   *
   * @return false when the log is closed
   */
  synchronized boolean await(long id, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!closed && lastId <= id) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        break;
      }
      wait(left);
    }
    return !closed;
  }

  /** Ends every stream: the server is stopping. */
  synchronized void close() {
    closed = true;
    notifyAll();
  }

  // ---------------------------------------------------------------- the meter's events

  @Override
  public void onUsage(UsageEvent e, BigDecimal costUsd) {
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
          o.put("timestamp", Json.instant(e.timestamp()));
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
