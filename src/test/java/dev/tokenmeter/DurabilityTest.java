package dev.tokenmeter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.budget.BudgetScope;
import dev.tokenmeter.budget.HistoryEntry;
import dev.tokenmeter.budget.PauseSource;
import dev.tokenmeter.budget.ResumeRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Breakpoints survive a SIGKILL of the JVM that set them. */
class DurabilityTest {

  @TempDir Path stateDir;

  private static Process child(String mode, Path dir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
            DurabilityChild.class.getName(), mode, dir.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  private static String firstLine(Process p) throws Exception {
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    return r.readLine();
  }

  private static void kill9(Process p) throws Exception {
    // destroyForcibly is SIGKILL on Linux: no shutdown hooks, no finally blocks.
    p.destroyForcibly();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(137);
  }

  private TokenMeter restart() {
    return TokenMeter.builder().priceBook(TestPrices.book()).stateDir(stateDir).sweepInterval(Duration.ZERO).build();
  }

  @Test
  void aPausedRunIsStillPausedAfterTheJvmIsKilled() throws Exception {
    Process p = child("pause", stateDir);
    assertThat(firstLine(p)).isEqualTo("PAUSED");
    kill9(p);

    try (TokenMeter meter = restart()) {
      assertThat(meter.gate("run-k").isPaused()).isTrue();
      RunStatus s = meter.status("run-k").orElseThrow();
      assertThat(s.state()).isEqualTo("paused");
      assertThat(s.session()).isEqualTo("sess-k");
      assertThat(s.budgetUsd()).isEqualByComparingTo("1.00");
      assertThat(s.breakpoint().source()).isEqualTo(PauseSource.BUDGET);
      assertThat(s.breakpoint().scope()).isEqualTo(BudgetScope.RUN);
      assertThat(s.breakpoint().costUsd()).isEqualByComparingTo("1.25");
      assertThat(s.breakpoint().reason()).isEqualTo("run run-k reached its budget: $1.25 of $1");
      assertThat(s.history()).extracting(HistoryEntry::action)
          .containsExactly(HistoryEntry.Action.BUDGET, HistoryEntry.Action.PAUSE);

      // A person resumes after the restart; that too is durable.
      meter.resume("run-k", ResumeRequest.builder().override(true).by("dave").build());
    }
    try (TokenMeter meter = restart()) {
      RunStatus s = meter.status("run-k").orElseThrow();
      assertThat(s.state()).isEqualTo("active");
      assertThat(s.overridden()).isTrue();
      assertThat(s.history()).last().satisfies(e -> {
        assertThat(e.action()).isEqualTo(HistoryEntry.Action.RESUME);
        assertThat(e.by()).isEqualTo("dave");
      });
    }
  }

  @Test
  void aKillDuringStateWritesLeavesTheOldOrTheNewRecordNeverATornOne() throws Exception {
    for (int round = 0; round < 3; round++) {
      Process p = child("churn", stateDir);
      assertThat(firstLine(p)).isEqualTo("CHURNING");
      Thread.sleep(300 + 200L * round);
      kill9(p);

      // Every record on disk parses; the run is in one of the two states it was toggling between.
      try (Stream<Path> files = Files.list(stateDir.resolve("runs"))) {
        List<Path> records = files.filter(f -> f.toString().endsWith(".json")).toList();
        assertThat(records).hasSize(1);
      }
      try (TokenMeter meter = restart()) {
        RunStatus s = meter.status("run-c").orElseThrow();
        assertThat(s.state()).isIn("paused", "active");
        assertThat(s.history()).isNotEmpty();
        if (s.state().equals("paused")) {
          assertThat(s.breakpoint().reason()).startsWith("churn ");
        }
      }
    }
  }

  @Test
  void budgetsSetAtRunTimeSurviveARestart() {
    try (TokenMeter meter = restart()) {
      meter.setRunBudget("r", new BigDecimal("7.50"), "ops");
      meter.setSubagentBudget("r", "coder", new BigDecimal("2"), "ops");
      meter.setSessionBudget("s", new BigDecimal("20"), "ops");
    }
    try (TokenMeter meter = restart()) {
      RunStatus s = meter.status("r").orElseThrow();
      assertThat(s.budgetUsd()).isEqualByComparingTo("7.50");
      assertThat(s.subagentBudgetsUsd()).containsEntry("coder", new BigDecimal("2"));
      meter.handle("x", "s", "main", TestPrices.OPUS);
      assertThat(meter.snapshot().sessions()).singleElement()
          .satisfies(x -> assertThat(x.budgetUsd()).isEqualByComparingTo("20"));
    }
  }

  @Test
  void aPausedSessionStillHoldsItsNewRunsAfterARestart() {
    try (TokenMeter meter = restart()) {
      meter.handle("member", "s-held", "main", TestPrices.OPUS).record(1_000, 0, 0, 0, 0);
      meter.pauseSession("s-held", dev.tokenmeter.budget.PauseSource.ALERT, "session over budget", "alertmanager");
      assertThat(meter.gate("member").isPaused()).isTrue();
    }
    try (TokenMeter meter = restart()) {
      assertThat(meter.gate("member").isPaused()).isTrue();
      meter.handle("newcomer", "s-held", "main", TestPrices.OPUS);
      assertThat(meter.gate("newcomer").isPaused()).as("a run joining the paused session after the restart").isTrue();
      assertThat(meter.gate("newcomer").breakpoint().reason()).isEqualTo("session over budget");
    }
  }
}
