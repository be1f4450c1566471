package dev.tokenmeter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.budget.DirectoryControlStore;
import dev.tokenmeter.budget.HistoryEntry;
import dev.tokenmeter.budget.RunControl;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL while five threads write the state directory, many times at random moments: every
 * record on disk parses, is one the child wrote (its values are recognisable) and is consistent in
 * itself (paused exactly when its last history entry is a pause with the breakpoint's reason), and
 * a restart restores every run. Stronger than {@code DurabilityTest}'s single-run check.
 */
class KillDuringStateWriteTest {

  static final int ROUNDS = 8;
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path state;

  private Process child() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
            StateChurnChild.class.getName(), state.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  @Test
  void everyRecordIsTheOldOrTheNewOneAfterAKillAtAnyMoment() throws Exception {
    Random rnd = new Random(7);
    long records = 0;
    for (int round = 0; round < ROUNDS; round++) {
      Process p = child();
      try {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(r.readLine()).isEqualTo("CHURNING");
        Thread.sleep(50 + rnd.nextInt(400));
      } finally {
        p.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(p.exitValue()).isEqualTo(137);

      // Every file parses as JSON, and the store loads every one of them (it skips unreadable ones).
      List<Path> runFiles;
      try (Stream<Path> s = Files.list(state.resolve("runs"))) {
        runFiles = s.filter(f -> f.toString().endsWith(".json")).toList();
      }
      for (Path f : runFiles) {
        JsonNode j = JSON.readTree(f.toFile()); // throws on a torn file
        assertThat(j.path("run").asText()).startsWith("churn-");
      }
      Map<String, RunControl> loaded = new DirectoryControlStore(state).loadRuns();
      assertThat(loaded).hasSize(runFiles.size());
      for (RunControl rc : loaded.values()) {
        records++;
        assertThat(rc.history()).isNotEmpty();
        // The last pause or resume in the history agrees with the breakpoint in the same record.
        HistoryEntry last = null;
        for (HistoryEntry h : rc.history()) {
          if (h.action() == HistoryEntry.Action.PAUSE || h.action() == HistoryEntry.Action.RESUME) {
            last = h;
          }
        }
        if (rc.breakpoint() != null) {
          assertThat(rc.breakpoint().reason()).matches("churn \\d+");
          assertThat(last).isNotNull();
          assertThat(last.action()).isEqualTo(HistoryEntry.Action.PAUSE);
          assertThat(last.reason()).isEqualTo(rc.breakpoint().reason());
        } else if (last != null) {
          assertThat(last.action()).isEqualTo(HistoryEntry.Action.RESUME);
        }
        if (rc.budgetUsd() != null) {
          assertThat(rc.budgetUsd().toPlainString()).matches("\\d+\\.25");
        }
      }
      Map<String, java.math.BigDecimal> sessions = new DirectoryControlStore(state).loadSessionBudgets();
      try (Stream<Path> s = Files.list(state.resolve("sessions"))) {
        assertThat(sessions).hasSize((int) s.filter(f -> f.toString().endsWith(".json")).count());
      }
      sessions.values().forEach(b -> assertThat(b.toPlainString()).matches("\\d+\\.5"));

      // A restart holds every run the disk holds, in the state the disk says.
      try (TokenMeter m = TokenMeter.builder().stateDir(state).sweepInterval(Duration.ZERO).build()) {
        for (RunControl rc : loaded.values()) {
          assertThat(m.gate(rc.run()).isPaused()).isEqualTo(rc.breakpoint() != null);
        }
      }
    }
    assertThat(records).isGreaterThanOrEqualTo(ROUNDS); // the child got to write before each kill
  }
}
