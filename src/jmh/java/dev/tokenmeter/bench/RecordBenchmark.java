package dev.tokenmeter.bench;

import static dev.tokenmeter.bench.Fixtures.CACHE_READ;
import static dev.tokenmeter.bench.Fixtures.CACHE_WRITE_1H;
import static dev.tokenmeter.bench.Fixtures.CACHE_WRITE_5M;
import static dev.tokenmeter.bench.Fixtures.INPUT;
import static dev.tokenmeter.bench.Fixtures.MODEL;
import static dev.tokenmeter.bench.Fixtures.OUTPUT;
import static dev.tokenmeter.bench.Fixtures.RUN;
import static dev.tokenmeter.bench.Fixtures.SUBAGENT;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.UsageHandle;
import dev.tokenmeter.usage.UsageEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Recording one usage event of five token types, one thread: tokenmeter through a pre-bound
 * handle and through a lookup, beside what a user would do without tokenmeter, five counter
 * updates (one per token type) on OpenTelemetry, Prometheus client_java 1.x and Micrometer.
 *
 * <p>Token counts are read from non-final state fields so that nothing is constant-folded; every
 * path ends in atomic updates of heap counters that outlive the call, so none can be removed as
 * dead code. {@code tokenmeterLookup} returns its result.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RecordBenchmark {

  /** The event's token counts, non-final so the JIT cannot fold them. */
  @State(Scope.Thread)
  public static class Tokens {
    long input = INPUT;
    long output = OUTPUT;
    long cacheRead = CACHE_READ;
    long cacheWrite5m = CACHE_WRITE_5M;
    long cacheWrite1h = CACHE_WRITE_1H;
  }

  /** A priced meter with a run budget; a handle and an event for (run-1, coder, bench-mini). */
  @State(Scope.Benchmark)
  public static class Meter {
    TokenMeter meter;
    UsageHandle handle;
    UsageEvent event;
    /** The meter's default clock, for the clock diagnostic. */
    Clock clock = Clock.systemUTC();

    @Setup(Level.Trial)
    public void setUp() {
      meter = Fixtures.meter();
      handle = meter.handle(RUN, SUBAGENT, MODEL);
      event = event();
      if (!meter.record(event)) {
        throw new IllegalStateException("the setup event was not recorded");
      }
    }

    /** The event of the lookup path, built once. No idempotency key: only the handle lookup. */
    static UsageEvent event() {
      return UsageEvent.builder()
              .run(RUN)
              .subagent(SUBAGENT)
              .model(MODEL)
              .inputTokens(INPUT)
              .outputTokens(OUTPUT)
              .cacheReadTokens(CACHE_READ)
              .cacheWrite5mTokens(CACHE_WRITE_5M)
              .cacheWrite1hTokens(CACHE_WRITE_1H)
              .build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      Fixtures.assertNoThresholdFired(meter, RUN);
      meter.close();
    }
  }

  /**
   * Diagnostic, not a target: the same meter with a fixed {@code Clock}, so the difference to
   * {@code tokenmeterHandle} is the cost of reading the system clock on each record (the run's
   * last-usage time).
   */
  @State(Scope.Benchmark)
  public static class FixedClockMeter {
    TokenMeter meter;
    UsageHandle handle;
    UsageEvent event;

    @Setup(Level.Trial)
    public void setUp() {
      meter =
          TokenMeter.builder()
              .priceBook(Fixtures.priceBook())
              .defaultRunBudget(Fixtures.RUN_BUDGET_USD)
              .clock(Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC))
              .build();
      handle = meter.handle(RUN, SUBAGENT, MODEL);
      handle.record(INPUT, OUTPUT, CACHE_READ, CACHE_WRITE_5M, CACHE_WRITE_1H);
      event = Meter.event();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      Fixtures.assertNoThresholdFired(meter, RUN);
      meter.close();
    }
  }

  /**
   * One OpenTelemetry SDK {@code LongCounter} with attributes (run, subagent, model, type); five
   * prebuilt {@code Attributes}. The provider has a cumulative in-memory pull reader: with no
   * reader at all the SDK hands out a no-op meter, which would measure nothing.
   */
  @State(Scope.Benchmark)
  public static class Otel {
    SdkMeterProvider provider;
    LongCounter counter;
    Attributes input;
    Attributes output;
    Attributes cacheRead;
    Attributes cacheWrite5m;
    Attributes cacheWrite1h;

    @Setup(Level.Trial)
    public void setUp() {
      provider = SdkMeterProvider.builder().registerMetricReader(new InMemoryReader()).build();
      counter =
          provider.get("bench").counterBuilder("gen_ai.client.token.usage").setUnit("{token}").build();
      input = attributes("input");
      output = attributes("output");
      cacheRead = attributes("cache_read");
      cacheWrite5m = attributes("cache_write_5m");
      cacheWrite1h = attributes("cache_write_1h");
    }

    private static Attributes attributes(String type) {
      return Attributes.of(
          AttributeKey.stringKey("run"), RUN,
          AttributeKey.stringKey("subagent"), SUBAGENT,
          AttributeKey.stringKey("model"), MODEL,
          AttributeKey.stringKey("type"), type);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      provider.close();
    }
  }

  /** One client_java 1.x {@code Counter} with labels (run, subagent, model, type); five bound data points. */
  @State(Scope.Benchmark)
  public static class Prometheus {
    CounterDataPoint input;
    CounterDataPoint output;
    CounterDataPoint cacheRead;
    CounterDataPoint cacheWrite5m;
    CounterDataPoint cacheWrite1h;

    @Setup(Level.Trial)
    public void setUp() {
      io.prometheus.metrics.core.metrics.Counter counter =
          io.prometheus.metrics.core.metrics.Counter.builder()
              .name("tokens_total")
              .help("tokens")
              .labelNames("run", "subagent", "model", "type")
              .register(new PrometheusRegistry());
      input = counter.labelValues(RUN, SUBAGENT, MODEL, "input");
      output = counter.labelValues(RUN, SUBAGENT, MODEL, "output");
      cacheRead = counter.labelValues(RUN, SUBAGENT, MODEL, "cache_read");
      cacheWrite5m = counter.labelValues(RUN, SUBAGENT, MODEL, "cache_write_5m");
      cacheWrite1h = counter.labelValues(RUN, SUBAGENT, MODEL, "cache_write_1h");
    }
  }

  /** Five Micrometer counters tagged (run, subagent, model, type) in a {@code SimpleMeterRegistry}. */
  @State(Scope.Benchmark)
  public static class Micrometer {
    Counter input;
    Counter output;
    Counter cacheRead;
    Counter cacheWrite5m;
    Counter cacheWrite1h;

    @Setup(Level.Trial)
    public void setUp() {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      input = counter(registry, "input");
      output = counter(registry, "output");
      cacheRead = counter(registry, "cache_read");
      cacheWrite5m = counter(registry, "cache_write_5m");
      cacheWrite1h = counter(registry, "cache_write_1h");
    }

    private static Counter counter(SimpleMeterRegistry registry, String type) {
      return Counter.builder("tokens")
          .tags("run", RUN, "subagent", SUBAGENT, "model", MODEL, "type", type)
          .register(registry);
    }
  }

  @Benchmark
  public void tokenmeterHandle(Meter m, Tokens t) {
    m.handle.record(t.input, t.output, t.cacheRead, t.cacheWrite5m, t.cacheWrite1h);
  }

  @Benchmark
  public void tokenmeterHandleFixedClock(FixedClockMeter m, Tokens t) {
    m.handle.record(t.input, t.output, t.cacheRead, t.cacheWrite5m, t.cacheWrite1h);
  }

  @Benchmark
  public boolean tokenmeterLookup(Meter m) {
    return m.meter.record(m.event);
  }

  /** Diagnostic, not a target: the lookup path on the fixed-clock meter. */
  @Benchmark
  public boolean tokenmeterLookupFixedClock(FixedClockMeter m) {
    return m.meter.record(m.event);
  }

  /** Diagnostic: one read of the system clock, as {@code TokenMeter.apply} does per record. */
  @Benchmark
  public long systemClockMillis(Meter m) {
    return m.clock.millis();
  }

  @Benchmark
  public void otelLongCounter(Otel o, Tokens t) {
    o.counter.add(t.input, o.input);
    o.counter.add(t.output, o.output);
    o.counter.add(t.cacheRead, o.cacheRead);
    o.counter.add(t.cacheWrite5m, o.cacheWrite5m);
    o.counter.add(t.cacheWrite1h, o.cacheWrite1h);
  }

  @Benchmark
  public void prometheusCounter(Prometheus p, Tokens t) {
    p.input.inc(t.input);
    p.output.inc(t.output);
    p.cacheRead.inc(t.cacheRead);
    p.cacheWrite5m.inc(t.cacheWrite5m);
    p.cacheWrite1h.inc(t.cacheWrite1h);
  }

  @Benchmark
  public void micrometerCounter(Micrometer m, Tokens t) {
    m.input.increment(t.input);
    m.output.increment(t.output);
    m.cacheRead.increment(t.cacheRead);
    m.cacheWrite5m.increment(t.cacheWrite5m);
    m.cacheWrite1h.increment(t.cacheWrite1h);
  }
}
