package dev.tokenmeter;

import dev.tokenmeter.budget.PauseSource;
import dev.tokenmeter.budget.ResumeRequest;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A separate JVM for {@link DurabilityTest}: pauses a run through its budget (mode {@code pause})
 * or toggles a run between paused and resumed as fast as it can (mode {@code churn}), then waits
 * to be killed.
 */
public final class DurabilityChild {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    try (TokenMeter meter =
        TokenMeter.builder().priceBook(TestPrices.book()).stateDir(dir).sweepInterval(Duration.ZERO).build()) {
      if (args[0].equals("pause")) {
        meter.setRunBudget("run-k", new BigDecimal("1.00"), "test");
        meter.handle("run-k", "sess-k", "coder", TestPrices.OPUS).record(250_000, 0, 0, 0, 0); // $1.25
        System.out.println(meter.gate("run-k").isPaused() ? "PAUSED" : "OPEN");
        System.out.flush();
        Thread.sleep(60_000);
      } else {
        // One full cycle on disk before the parent may kill us: under load the first write can
        // take longer than the parent's wait.
        meter.pause("run-c", PauseSource.MANUAL, "churn start", "child");
        meter.resume("run-c", ResumeRequest.builder().by("child").build());
        System.out.println("CHURNING");
        System.out.flush();
        for (long i = 0; ; i++) {
          meter.pause("run-c", PauseSource.MANUAL, "churn " + i, "child");
          meter.resume("run-c", ResumeRequest.builder().by("child").build());
        }
      }
    }
  }
}
