package dev.tokenmeter.reliability;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.budget.PauseSource;
import dev.tokenmeter.budget.ResumeRequest;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A separate JVM for {@link KillDuringStateWriteTest}: four threads each toggle a run between
 * paused and resumed, with a budget change in between, and a fifth sets a session budget, as fast
 * as they can, until the JVM is killed. Every value written is recognisable: pause reasons are
 * {@code churn N}, run budgets {@code N.25}, session budgets {@code N.5}.
 */
public final class StateChurnChild {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    TokenMeter meter = TokenMeter.builder().stateDir(dir).sweepInterval(Duration.ZERO).build();
    for (int t = 0; t < 4; t++) {
      String run = "churn-" + t;
      Thread th = new Thread(() -> {
        for (long i = 0; ; i++) {
          meter.pause(run, PauseSource.MANUAL, "churn " + i, "child");
          meter.setRunBudget(run, new BigDecimal(i + ".25"), "child");
          meter.resume(run, ResumeRequest.builder().override(true).by("child").build());
        }
      });
      th.start();
    }
    Thread sessions = new Thread(() -> {
      for (long i = 0; ; i++) {
        meter.setSessionBudget("churn-session", new BigDecimal(i + ".5"), "child");
      }
    });
    sessions.start();
    System.out.println("CHURNING");
    System.out.flush();
    Thread.sleep(120_000);
    System.exit(1);
  }
}
