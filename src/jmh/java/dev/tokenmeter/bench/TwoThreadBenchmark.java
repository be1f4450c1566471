package dev.tokenmeter.bench;

import static dev.tokenmeter.bench.Fixtures.CACHE_READ;
import static dev.tokenmeter.bench.Fixtures.CACHE_WRITE_1H;
import static dev.tokenmeter.bench.Fixtures.CACHE_WRITE_5M;
import static dev.tokenmeter.bench.Fixtures.INPUT;
import static dev.tokenmeter.bench.Fixtures.MODEL;
import static dev.tokenmeter.bench.Fixtures.OUTPUT;
import static dev.tokenmeter.bench.Fixtures.SUBAGENT;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.UsageHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Recording through pre-bound handles from two threads on one meter, in throughput (operations
 * per microsecond, summed over the threads), beside one thread on the same setup:
 *
 * <ul>
 *   <li>{@code oneThread}: the reference, one thread, one handle;
 *   <li>{@code sameHandle}: both threads on one (run, subagent, model): every counter is shared;
 *   <li>{@code sameRun}: each thread its own subagent in one run: only the run's cost account
 *       and last-usage time are shared;
 *   <li>{@code differentRuns}: each thread its own run: nothing per-run is shared; what they still
 *       share is the meter-wide spend counter of (model, subagent), a {@code LongAdder}.
 * </ul>
 *
 * If no lock or hot word is shared across runs, {@code differentRuns} approaches twice
 * {@code oneThread} on an otherwise idle two-core machine.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class TwoThreadBenchmark {

  /** The meter shared by the threads of a trial. */
  @State(Scope.Benchmark)
  public static class Shared {
    TokenMeter meter;
    UsageHandle sharedHandle;
    final AtomicInteger threads = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() {
      meter = Fixtures.meter();
      sharedHandle = meter.handle("shared-run", SUBAGENT, MODEL);
      sharedHandle.record(INPUT, OUTPUT, CACHE_READ, CACHE_WRITE_5M, CACHE_WRITE_1H);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      for (String run : new String[] {"shared-run", "run-0", "run-1"}) {
        if (meter.status(run).isPresent()) {
          Fixtures.assertNoThresholdFired(meter, run);
        }
      }
      meter.close();
    }
  }

  /** Per thread: a handle in the shared run under its own subagent, and a handle in its own run. */
  @State(Scope.Thread)
  public static class PerThread {
    long input = INPUT;
    long output = OUTPUT;
    long cacheRead = CACHE_READ;
    long cacheWrite5m = CACHE_WRITE_5M;
    long cacheWrite1h = CACHE_WRITE_1H;
    UsageHandle ownSubagent;
    UsageHandle ownRun;

    @Setup(Level.Trial)
    public void setUp(Shared shared) {
      int i = shared.threads.getAndIncrement();
      ownSubagent = shared.meter.handle("shared-run", "subagent-" + i, MODEL);
      ownRun = shared.meter.handle("run-" + i, SUBAGENT, MODEL);
      ownSubagent.record(input, output, cacheRead, cacheWrite5m, cacheWrite1h);
      ownRun.record(input, output, cacheRead, cacheWrite5m, cacheWrite1h);
    }
  }

  /** Control, no tokenmeter: pure CPU work on one thread. */
  @Benchmark
  @Threads(1)
  public void controlOneThread() {
    Blackhole.consumeCPU(64);
  }

  /**
   * Control, no tokenmeter: the same work on two threads. Its ratio to {@code controlOneThread}
   * is the scaling the machine offered during this run (2.0 on two idle cores); judge the
   * tokenmeter variants against it, not against 2.0.
   */
  @Benchmark
  @Threads(2)
  public void controlTwoThreads() {
    Blackhole.consumeCPU(64);
  }

  @Benchmark
  @Threads(1)
  public void oneThread(PerThread t) {
    t.ownRun.record(t.input, t.output, t.cacheRead, t.cacheWrite5m, t.cacheWrite1h);
  }

  @Benchmark
  @Threads(2)
  public void sameHandle(Shared s, PerThread t) {
    s.sharedHandle.record(t.input, t.output, t.cacheRead, t.cacheWrite5m, t.cacheWrite1h);
  }

  @Benchmark
  @Threads(2)
  public void sameRun(PerThread t) {
    t.ownSubagent.record(t.input, t.output, t.cacheRead, t.cacheWrite5m, t.cacheWrite1h);
  }

  @Benchmark
  @Threads(2)
  public void differentRuns(PerThread t) {
    t.ownRun.record(t.input, t.output, t.cacheRead, t.cacheWrite5m, t.cacheWrite1h);
  }
}
