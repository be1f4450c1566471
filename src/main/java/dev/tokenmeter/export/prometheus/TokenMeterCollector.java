package dev.tokenmeter.export.prometheus;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.export.MetricFamily;
import dev.tokenmeter.export.Sample;
import dev.tokenmeter.export.Samples;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a {@link TokenMeter} to a client_java {@link PrometheusRegistry}. Each scrape reads
 * {@link TokenMeter#snapshot()} once and builds every family from it, so the families of one
 * scrape agree with each other and nothing is kept between scrapes.
 *
 * <pre>{@code
 * TokenMeterCollector.register(meter, PrometheusRegistry.defaultRegistry);
 * }</pre>
 */
public final class TokenMeterCollector implements MultiCollector {

  private static final Logger log = LoggerFactory.getLogger(TokenMeterCollector.class);
  private static final List<String> NAMES = prometheusNames();

  private final TokenMeter meter;
  private final LongAdder collectErrors = new LongAdder();

  private TokenMeterCollector(TokenMeter meter) {
    if (meter == null) {
      throw new NullPointerException("meter");
    }
    this.meter = meter;
  }

  public static TokenMeterCollector create(TokenMeter meter) {
    return new TokenMeterCollector(meter);
  }

  /** Creates a collector for {@code meter} and registers it in {@code registry}. */
  public static TokenMeterCollector register(TokenMeter meter, PrometheusRegistry registry) {
    TokenMeterCollector c = create(meter);
    registry.register(c);
    return c;
  }

  /** Registers this collector in {@code registry}; returns this. */
  public TokenMeterCollector register(PrometheusRegistry registry) {
    registry.register(this);
    return this;
  }

  @Override
  public MetricSnapshots collect() {
    Samples samples;
    try {
      samples = Samples.of(meter.snapshot());
    } catch (RuntimeException e) {
      // A failed read must not fail the whole scrape: the other collectors still answer.
      collectErrors.increment();
      log.warn("reading the tokenmeter ledger for a scrape failed", e);
      return MetricSnapshots.of();
    }
    List<MetricSnapshot> out = new ArrayList<>(MetricFamily.values().length);
    for (MetricFamily f : MetricFamily.values()) {
      try {
        out.add(toSnapshot(f, samples.get(f)));
      } catch (RuntimeException e) {
        collectErrors.increment();
        log.warn("building {} failed; it is left out of this scrape", f.prometheusName(), e);
      }
    }
    return new MetricSnapshots(out);
  }

  @Override
  public List<String> getPrometheusNames() {
    return NAMES;
  }

  /** Scrapes that failed, in whole or for one family; each is also logged. */
  public long collectErrors() {
    return collectErrors.sum();
  }

  static MetricSnapshot toSnapshot(MetricFamily f, List<Sample> samples) {
    String[] names = f.labelNames().toArray(new String[0]);
    if (f.type() == MetricFamily.Type.COUNTER) {
      CounterSnapshot.Builder b = CounterSnapshot.builder().name(f.prometheusName()).help(f.help());
      for (Sample s : samples) {
        b.dataPoint(CounterDataPointSnapshot.builder().labels(labels(names, s)).value(s.value()).build());
      }
      return b.build();
    }
    GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(f.prometheusName()).help(f.help());
    for (Sample s : samples) {
      b.dataPoint(GaugeDataPointSnapshot.builder().labels(labels(names, s)).value(s.value()).build());
    }
    return b.build();
  }

  private static Labels labels(String[] names, Sample s) {
    return names.length == 0 ? Labels.EMPTY : Labels.of(names, s.labelValues().toArray(new String[0]));
  }

  private static List<String> prometheusNames() {
    List<String> names = new ArrayList<>();
    for (MetricFamily f : MetricFamily.values()) {
      names.add(f.prometheusName());
    }
    return List.copyOf(names);
  }
}
