package dev.tokenmeter.fuzz;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one fuzz try with a time bound (jqwik has no {@code @Timeout}): a try that does not finish
 * fails as a hang instead of blocking the build, and its thread is abandoned. Also keeps the
 * figures the long run prints: tries and the slowest one.
 */
public final class Bounded {

  /** Far above any real parse (milliseconds), below what a shared CI machine could stall. */
  public static final Duration LIMIT =
      Duration.ofMillis(Long.getLong("tokenmeter.fuzz.limitMillis", 5_000));

  private static ExecutorService exec = newExecutor();
  private static final AtomicLong tries = new AtomicLong();
  private static final AtomicLong slowestNanos = new AtomicLong();

  private Bounded() {}

  /** The value, or the exception the call threw; an {@link AssertionError} when it hangs. */
  public static synchronized <T> T call(Callable<T> c) throws Exception {
    long t0 = System.nanoTime();
    Future<T> f = exec.submit(c);
    try {
      return f.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      exec.shutdownNow();
      exec = newExecutor(); // the stuck thread (a daemon) may run on; the next try gets a new one
      throw new AssertionError("no result within " + LIMIT.toMillis() + " ms: a hang");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception) {
        throw (Exception) cause;
      }
      throw (Error) cause;
    } finally {
      tries.incrementAndGet();
      slowestNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
    }
  }

  /** A line for the long-run log: bounded calls made and the slowest, since the last report. */
  public static String report(String target) {
    return String.format("fuzz-stats %s: bounded calls=%d slowest=%.1f ms limit=%d ms",
        target, tries.getAndSet(0), slowestNanos.getAndSet(0) / 1e6, LIMIT.toMillis());
  }

  private static ExecutorService newExecutor() {
    return Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "fuzz-try");
      t.setDaemon(true);
      return t;
    });
  }
}
