package dev.tokenmeter.usage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The usage of one run: a {@link Series} per (subagent, model), the session it belongs to, and
 * the times the series lifecycle is decided by. Series are created on first use and never removed
 * while the run lives: a run's counters are monotonic.
 */
public final class RunLedger {

  private final String run;
  private final long createdMillis;
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Series>> bySubagent =
      new ConcurrentHashMap<>();
  private volatile String session;
  private volatile long lastUsageMillis;
  private volatile long endedMillis;

  public RunLedger(String run, String session, long nowMillis) {
    this.run = run;
    this.session = session;
    this.createdMillis = nowMillis;
    this.lastUsageMillis = nowMillis;
  }

  public String run() {
    return run;
  }

  /** The session, or null. A run joins the first session it is reported with and keeps it. */
  public String session() {
    return session;
  }

  /** Sets the session if the run has none yet; returns the run's session afterwards. */
  public synchronized String joinSession(String candidate) {
    if (session == null && candidate != null) {
      session = candidate;
    }
    return session;
  }

  /** The series for (subagent, model), created on first use. */
  public Series series(String subagent, String model) {
    ConcurrentHashMap<String, Series> byModel = bySubagent.get(subagent);
    if (byModel == null) {
      byModel = bySubagent.computeIfAbsent(subagent, k -> new ConcurrentHashMap<>());
    }
    Series s = byModel.get(model);
    if (s == null) {
      s = byModel.computeIfAbsent(model, m -> new Series(subagent, m));
    }
    return s;
  }

  /** A point-in-time list of this run's series. */
  public List<Series> series() {
    List<Series> out = new ArrayList<>();
    for (ConcurrentHashMap<String, Series> byModel : bySubagent.values()) {
      out.addAll(byModel.values());
    }
    return out;
  }

  public long createdMillis() {
    return createdMillis;
  }

  public long lastUsageMillis() {
    return lastUsageMillis;
  }

  public void touch(long nowMillis) {
    // Most records of a busy run fall in the same millisecond as the one before: skip the
    // volatile store then. It saves a store fence on the recording path and keeps threads that
    // record into one run from bouncing this cache line between cores. Same value either way.
    if (lastUsageMillis != nowMillis) {
      lastUsageMillis = nowMillis;
    }
  }

  /** When the run ended, or 0 while it is active. */
  public long endedMillis() {
    return endedMillis;
  }

  public boolean isEnded() {
    return endedMillis != 0;
  }

  /** Marks the run ended (the first end wins). */
  public synchronized void end(long nowMillis) {
    if (endedMillis == 0) {
      endedMillis = Math.max(1, nowMillis);
    }
  }
}
