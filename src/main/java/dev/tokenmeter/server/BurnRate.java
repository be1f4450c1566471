package dev.tokenmeter.server;

import dev.tokenmeter.budget.MeterListener;
import dev.tokenmeter.usage.UsageEvent;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The spend of each run over the last minute, for {@code burnRateUsdPerMinute}: the cost of the
 * usage recorded in the trailing 60 seconds. Bounded: samples older than the window are dropped,
 * and runs without recent samples are forgotten.
 */
final class BurnRate implements MeterListener {

  static final long WINDOW_MILLIS = 60_000;
  /** Caps the samples kept per run; a flood of tiny events folds into the newest sample. */
  private static final int MAX_SAMPLES = 1024;
  private static final int MAX_RUNS = 10_000;

  private final ConcurrentHashMap<String, Window> runs = new ConcurrentHashMap<>();
  private final LongSupplier clock;

  BurnRate(LongSupplier clockMillis) {
    this.clock = clockMillis;
  }

  @Override
  public void onUsage(UsageEvent event, BigDecimal costUsd) {
    if (costUsd == null || costUsd.signum() == 0) {
      return;
    }
    if (runs.size() >= MAX_RUNS && !runs.containsKey(event.run())) {
      prune();
      if (runs.size() >= MAX_RUNS) {
        return;
      }
    }
    runs.computeIfAbsent(event.run(), r -> new Window()).add(clock.getAsLong(), costUsd);
  }

  /** USD spent by the run in the last minute; zero when nothing was. */
  BigDecimal usdPerMinute(String run) {
    Window w = runs.get(run);
    return w == null ? BigDecimal.ZERO : w.sum(clock.getAsLong());
  }

  private void prune() {
    long now = clock.getAsLong();
    runs.values().removeIf(w -> w.sum(now).signum() == 0);
  }

  private static final class Window {
    private final ArrayDeque<long[]> times = new ArrayDeque<>();
    private final ArrayDeque<BigDecimal> costs = new ArrayDeque<>();

    synchronized void add(long now, BigDecimal cost) {
      evict(now);
      if (costs.size() >= MAX_SAMPLES) {
        costs.addLast(costs.pollLast().add(cost));
        times.peekLast()[0] = now;
        return;
      }
      times.addLast(new long[] {now});
      costs.addLast(cost);
    }

    synchronized BigDecimal sum(long now) {
      evict(now);
      BigDecimal s = BigDecimal.ZERO;
      for (Iterator<BigDecimal> it = costs.iterator(); it.hasNext(); ) {
        s = s.add(it.next());
      }
      return s.stripTrailingZeros();
    }

    private void evict(long now) {
      while (!times.isEmpty() && now - times.peekFirst()[0] >= WINDOW_MILLIS) {
        times.pollFirst();
        costs.pollFirst();
      }
    }
  }
}
