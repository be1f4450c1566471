package dev.tokenmeter.export.micrometer;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.budget.Breakpoint;
import dev.tokenmeter.budget.HistoryEntry;
import dev.tokenmeter.budget.MeterListener;
import dev.tokenmeter.budget.ThresholdCrossing;
import dev.tokenmeter.export.MetricFamily;
import dev.tokenmeter.export.Sample;
import dev.tokenmeter.export.Samples;
import dev.tokenmeter.usage.UsageEvent;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds a {@link TokenMeter} to Micrometer. Micrometer meters have fixed tags, while tokenmeter's
 * series come and go with runs, so this binder keeps the registry's set of meters in step with
 * the ledger: one {@link FunctionCounter} or {@link Gauge} per series, registered when the series
 * appears and removed when it is gone (evicted run, resumed run, ...). Like Micrometer's own
 * {@code KafkaMetrics}, it does so on {@link #bindTo}, on a background refresh, and right after
 * events that add series (new usage, pause, resume, threshold).
 *
 * <p>The meters' functions read {@link TokenMeter#snapshot()} through a shared reading that is
 * taken again when older than {@link Builder#snapshotMaxAge}, so one scrape costs about one
 * snapshot; no count is kept here. A series that vanished from the ledger reads {@code NaN} until
 * the next refresh removes its meter.
 *
 * <p>Names are {@link MetricFamily#micrometerName()} without a base unit: the Prometheus registry
 * turns {@code tokenmeter.tokens} (counter) into {@code tokenmeter_tokens_total} and
 * {@code tokenmeter.cost.usd} (gauge) into {@code tokenmeter_cost_usd}; a base unit would be
 * appended ({@code tokenmeter_tokens_tokens_total}).
 */
public final class TokenMeterBinder implements MeterBinder, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TokenMeterBinder.class);
  private static final long REFRESH_DELAY_MILLIS = 100;

  private final TokenMeter meter;
  private final long maxAgeNanos;
  private final List<Bound> bound = new CopyOnWriteArrayList<>();
  /** run to subagent to models seen by the listener: lookups that allocate nothing once seen. */
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Set<String>>> knownSeries =
      new ConcurrentHashMap<>();
  private final AtomicBoolean refreshPending = new AtomicBoolean();
  private final LongAdder collectErrors = new LongAdder();
  private final ScheduledExecutorService refresher;
  private final Listener listener = new Listener();
  private final Object readLock = new Object();
  private volatile Reading reading;

  private TokenMeterBinder(Builder b) {
    this.meter = b.meter;
    this.maxAgeNanos = b.snapshotMaxAge.toNanos();
    this.refresher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tokenmeter-micrometer-refresh");
              t.setDaemon(true);
              return t;
            });
    if (!b.refreshInterval.isZero()) {
      long every = b.refreshInterval.toMillis();
      refresher.scheduleWithFixedDelay(this::refreshQuietly, every, every, TimeUnit.MILLISECONDS);
    }
    meter.addListener(listener);
  }

  public static Builder builder(TokenMeter meter) {
    return new Builder(meter);
  }

  /** A binder with default settings. */
  public static TokenMeterBinder create(TokenMeter meter) {
    return builder(meter).build();
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    synchronized (this) {
      for (Bound b : bound) {
        if (b.registry == registry) {
          return; // bound already: its meters are there
        }
      }
      bound.add(new Bound(registry));
    }
    refresh();
  }

  /**
   * Reads the ledger now and brings every bound registry in step with it: registers meters of new
   * series and removes those of series that are gone.
   */
  public synchronized void refresh() {
    Reading r = read();
    for (Bound b : bound) {
      b.reconcile(r);
    }
    knownSeries.keySet().retainAll(r.runs);
  }

  private void refreshQuietly() {
    refreshPending.set(false);
    try {
      refresh();
    } catch (RuntimeException e) {
      collectErrors.increment();
      log.warn("refreshing tokenmeter's Micrometer meters failed", e);
    }
  }

  /**
   * Refreshes soon, off the caller's thread. The short delay gathers a burst of new series into one
   * refresh and bounds the refresh rate when usage keeps arriving for runs that are not exported by
   * name (those past the export cap are never "known", so each of their events asks again).
   */
  private void requestRefresh() {
    if (refreshPending.compareAndSet(false, true)) {
      try {
        refresher.schedule(this::refreshQuietly, REFRESH_DELAY_MILLIS, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closed) {
        refreshPending.set(false);
      }
    }
  }

  /** Refreshes, reconciles or meter functions that failed; each is also logged. */
  public long collectErrors() {
    return collectErrors.sum();
  }

  /** Stops refreshing and removes this binder's meters from every registry it was bound to. */
  @Override
  public void close() {
    meter.removeListener(listener);
    refresher.shutdownNow();
    synchronized (this) {
      for (Bound b : bound) {
        b.removeAll();
      }
      bound.clear();
    }
  }

  /** The current value of a series, from a reading at most {@code snapshotMaxAge} old. */
  double value(SeriesId id) {
    try {
      Reading r = reading;
      if (r == null || System.nanoTime() - r.takenNanos > maxAgeNanos) {
        synchronized (readLock) {
          r = reading;
          if (r == null || System.nanoTime() - r.takenNanos > maxAgeNanos) {
            r = takeReading();
          }
        }
      }
      Double v = r.values.get(id);
      return v == null ? Double.NaN : v;
    } catch (RuntimeException e) {
      collectErrors.increment();
      log.warn("reading tokenmeter series {} failed", id, e);
      return Double.NaN;
    }
  }

  private Reading read() {
    synchronized (readLock) {
      return takeReading();
    }
  }

  private Reading takeReading() {
    Reading r = new Reading(Samples.of(meter.snapshot()), System.nanoTime());
    reading = r;
    return r;
  }

  /** True the first time (since its run was last seen gone) a (run, subagent, model) is used. */
  private boolean firstUse(String run, String subagent, String model) {
    ConcurrentHashMap<String, Set<String>> bySubagent = knownSeries.get(run);
    if (bySubagent == null) {
      bySubagent = knownSeries.computeIfAbsent(run, k -> new ConcurrentHashMap<>());
    }
    Set<String> models = bySubagent.get(subagent);
    if (models == null) {
      models = bySubagent.computeIfAbsent(subagent, k -> ConcurrentHashMap.newKeySet());
    }
    return !models.contains(model) && models.add(model);
  }

  /** The identity of one exported series: its family and label values. */
  record SeriesId(MetricFamily family, List<String> labelValues) {}

  /** One ledger snapshot turned into values by series; dropped when the next is taken. */
  private static final class Reading {
    final Map<SeriesId, Double> values = new ConcurrentHashMap<>();
    final List<SeriesId> ids = new ArrayList<>();
    final Set<String> runs = new HashSet<>();
    final long takenNanos;

    Reading(Samples samples, long takenNanos) {
      this.takenNanos = takenNanos;
      for (MetricFamily f : MetricFamily.values()) {
        for (Sample s : samples.get(f)) {
          SeriesId id = new SeriesId(f, s.labelValues());
          values.put(id, s.value());
          ids.add(id);
          if (f == MetricFamily.REQUESTS) {
            runs.add(s.labelValues().get(0));
          }
        }
      }
    }
  }

  /** The meters this binder registered in one registry. */
  private final class Bound {
    final MeterRegistry registry;
    final Map<SeriesId, Meter> meters = new ConcurrentHashMap<>();

    Bound(MeterRegistry registry) {
      this.registry = registry;
    }

    void reconcile(Reading r) {
      Set<SeriesId> present = new HashSet<>(r.ids);
      for (SeriesId id : r.ids) {
        if (!meters.containsKey(id)) {
          try {
            meters.put(id, register(id));
          } catch (RuntimeException e) {
            collectErrors.increment();
            log.warn("registering {} failed", id, e);
          }
        }
      }
      meters.entrySet().removeIf(
          e -> {
            if (present.contains(e.getKey())) {
              return false;
            }
            registry.remove(e.getValue());
            return true;
          });
    }

    void removeAll() {
      meters.values().forEach(registry::remove);
      meters.clear();
    }

    private Meter register(SeriesId id) {
      MetricFamily f = id.family();
      List<Tag> tags = new ArrayList<>(f.labelNames().size());
      for (int i = 0; i < f.labelNames().size(); i++) {
        tags.add(Tag.of(f.labelNames().get(i), id.labelValues().get(i)));
      }
      TokenMeterBinder binder = TokenMeterBinder.this;
      if (f.type() == MetricFamily.Type.COUNTER) {
        return FunctionCounter.builder(f.micrometerName(), binder, b -> b.value(id))
            .description(f.help())
            .tags(tags)
            .register(registry);
      }
      return Gauge.builder(f.micrometerName(), binder, b -> b.value(id))
          .description(f.help())
          .tags(tags)
          .strongReference(true)
          .register(registry);
    }
  }

  /** Brings in the meters of series as they appear, without waiting for the next refresh. */
  private final class Listener implements MeterListener {
    @Override
    public void onUsage(UsageEvent event, BigDecimal costUsd) {
      // Cheap on the recording path: a set lookup; the refresh itself runs on the refresher.
      if (firstUse(event.run(), event.subagent(), event.model())) {
        requestRefresh();
      }
    }

    @Override
    public void onThreshold(ThresholdCrossing crossing) {
      requestRefresh();
    }

    @Override
    public void onPause(String run, String session, Breakpoint breakpoint) {
      requestRefresh();
    }

    @Override
    public void onResume(String run, String session, HistoryEntry resume) {
      requestRefresh();
    }
  }

  /** Configuration of a {@link TokenMeterBinder}. */
  public static final class Builder {
    private final TokenMeter meter;
    private Duration snapshotMaxAge = Duration.ofSeconds(1);
    private Duration refreshInterval = Duration.ofSeconds(10);

    private Builder(TokenMeter meter) {
      if (meter == null) {
        throw new NullPointerException("meter");
      }
      this.meter = meter;
    }

    /**
     * How old a ledger reading may be when a meter function asks; default 1 s, so one scrape of
     * many series reads the ledger about once. Zero reads it for every value.
     */
    public Builder snapshotMaxAge(Duration d) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("snapshotMaxAge must not be negative, got " + d);
      }
      this.snapshotMaxAge = d;
      return this;
    }

    /**
     * How often meters are brought in step with the ledger (removing those of evicted runs, adding
     * budgets); default 10 s; zero turns the periodic refresh off.
     */
    public Builder refreshInterval(Duration d) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("refreshInterval must not be negative, got " + d);
      }
      this.refreshInterval = d;
      return this;
    }

    public TokenMeterBinder build() {
      return new TokenMeterBinder(this);
    }
  }
}
