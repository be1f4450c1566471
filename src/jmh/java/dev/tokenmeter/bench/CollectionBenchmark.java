package dev.tokenmeter.bench;

import static dev.tokenmeter.bench.Fixtures.CACHE_READ;
import static dev.tokenmeter.bench.Fixtures.CACHE_WRITE_1H;
import static dev.tokenmeter.bench.Fixtures.CACHE_WRITE_5M;
import static dev.tokenmeter.bench.Fixtures.INPUT;
import static dev.tokenmeter.bench.Fixtures.OUTPUT;

import dev.tokenmeter.MeterSnapshot;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.export.prometheus.TokenMeterCollector;
import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.Prices;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
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
 * Collection of 10,000 live series: 100 runs x 10 subagents x 10 models, every series recorded
 * once and priced. For tokenmeter this measures {@link TokenMeter#snapshot()}, the read that the
 * exporters build on; for client_java, a scrape of a registry holding one {@code Counter} with
 * 10,000 label sets, written in the Prometheus text format to a byte-counting stream.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CollectionBenchmark {

  static final int RUNS = 100;
  static final int SUBAGENTS = 10;
  static final int MODELS = 10;
  static final int SERIES = RUNS * SUBAGENTS * MODELS;

  static String model(int m) {
    return "bench-model-" + m;
  }

  /** A meter holding 10,000 series, with all ten models priced. */
  @State(Scope.Benchmark)
  public static class Meter {
    TokenMeter meter;
    PrometheusRegistry registry;
    PrometheusTextFormatWriter writer;
    final CountingStream out = new CountingStream();

    @Setup(Level.Trial)
    public void setUp() {
      Prices base =
          Prices.builder().input(new BigDecimal("0.15")).output(new BigDecimal("0.60"))
              .cacheRead(new BigDecimal("0.075")).build();
      List<ModelPrice> models = new ArrayList<>();
      for (int m = 0; m < MODELS; m++) {
        models.add(ModelPrice.builder(model(m)).base(base).build());
      }
      meter =
          TokenMeter.builder()
              .priceBook(PriceBook.of(models, "bench", LocalDate.of(2026, 12, 1)))
              .defaultRunBudget(Fixtures.RUN_BUDGET_USD)
              .build();
      for (int r = 0; r < RUNS; r++) {
        for (int s = 0; s < SUBAGENTS; s++) {
          for (int m = 0; m < MODELS; m++) {
            meter.handle("run-" + r, "subagent-" + s, model(m))
                .record(INPUT, OUTPUT, CACHE_READ, CACHE_WRITE_5M, CACHE_WRITE_1H);
          }
        }
      }
      int n = meter.snapshot().series().size();
      if (n != SERIES) {
        throw new IllegalStateException("expected " + SERIES + " series, the snapshot has " + n);
      }
      registry = new PrometheusRegistry();
      TokenMeterCollector.register(meter, registry);
      writer = PrometheusTextFormatWriter.create();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      meter.close();
    }
  }

  /** client_java: one counter, labels (run, subagent, model), 10,000 label sets. */
  @State(Scope.Benchmark)
  public static class ClientJava {
    PrometheusRegistry registry;
    PrometheusTextFormatWriter writer;
    CountingStream out;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      registry = new PrometheusRegistry();
      Counter counter =
          Counter.builder()
              .name("tokenmeter_tokens_total")
              .help("tokens")
              .labelNames("run", "subagent", "model")
              .register(registry);
      for (int r = 0; r < RUNS; r++) {
        for (int s = 0; s < SUBAGENTS; s++) {
          for (int m = 0; m < MODELS; m++) {
            counter.labelValues("run-" + r, "subagent-" + s, model(m)).inc(INPUT);
          }
        }
      }
      writer = PrometheusTextFormatWriter.create();
      out = new CountingStream();
      int n = registry.scrape().get(0).getDataPoints().size();
      if (n != SERIES) {
        throw new IllegalStateException("expected " + SERIES + " series, the scrape has " + n);
      }
    }
  }

  /** An OutputStream that keeps only the number of bytes written. */
  static final class CountingStream extends OutputStream {
    long bytes;

    @Override
    public void write(int b) {
      bytes++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      bytes += len;
    }
  }

  @Benchmark
  public MeterSnapshot tokenmeterSnapshot(Meter m) {
    return m.meter.snapshot();
  }

  /** The whole scrape through tokenmeter's collector: snapshot, pricing, text format. */
  @Benchmark
  public long tokenmeterScrape(Meter m) throws IOException {
    m.out.bytes = 0;
    m.writer.write(m.out, m.registry.scrape());
    return m.out.bytes;
  }

  @Benchmark
  public long clientJavaScrape(ClientJava c) throws IOException {
    c.out.bytes = 0;
    c.writer.write(c.out, c.registry.scrape());
    return c.out.bytes;
  }
}
