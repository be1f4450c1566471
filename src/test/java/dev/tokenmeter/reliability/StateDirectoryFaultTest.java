package dev.tokenmeter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.budget.DirectoryControlStore;
import dev.tokenmeter.budget.RunControl;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state directory stops taking writes (its {@code runs/} replaced by a regular file, which
 * stops root too): pauses hold in memory, {@code /healthz} says degraded and the error metric
 * grows; once the directory takes writes again, the records that failed are written and health
 * comes back without any new pause.
 */
class StateDirectoryFaultTest {

  @TempDir Path state;

  private TokenMeter meter() {
    return TokenMeter.builder().priceBook(CardinalityAttackTest.BOOK).stateDir(state)
        .defaultRunBudget(new BigDecimal("0.01")).sweepInterval(Duration.ZERO).build();
  }

  private void breakRunsDir() throws IOException {
    deleteTree(state.resolve("runs"));
    Files.writeString(state.resolve("runs"), "not a directory");
  }

  private void repairRunsDir() throws IOException {
    Files.delete(state.resolve("runs"));
    Files.createDirectory(state.resolve("runs"));
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  @Test
  void pausesHoldAndHealthSaysDegradedWhileTheStateDirectoryRefusesWritesThenItRecovers() throws Exception {
    try (Loopback s = new Loopback(meter())) {
      assertThat(s.post("/api/v1/usage", "{\"run\":\"before\",\"model\":\"claude-sonnet-4-5\",\"inputTokens\":10}").statusCode()).isEqualTo(200);
      assertThat(s.get("/healthz").body()).contains("\"status\":\"ok\"");
      breakRunsDir();

      // A manual pause, a budget pause and a webhook pause while no write can succeed.
      assertThat(s.post("/api/v1/runs/manual/pause", "{\"reason\":\"ops\"}").statusCode()).isEqualTo(200);
      assertThat(s.post("/api/v1/usage", "{\"run\":\"budget\",\"model\":\"claude-sonnet-4-5\",\"inputTokens\":10000}").statusCode()).isEqualTo(200);
      String alert = Files.readString(Path.of("/work/shared/data/alertmanager-webhook/02-firing-budget-exceeded.json"));
      assertThat(s.post("/api/v1/alerts", alert).statusCode()).isEqualTo(200);
      for (String run : new String[] {"manual", "budget", "run-a"}) {
        assertThat(s.get("/api/v1/runs/" + run + "/gate").statusCode()).as(run).isEqualTo(423);
      }
      assertThat(s.get("/api/v1/runs/before/gate").statusCode()).isEqualTo(200);
      String health = s.get("/healthz").body();
      assertThat(health).contains("\"status\":\"degraded\"").contains("state directory does not take writes");
      double errors = s.metric("tokenmeter_state_write_errors_total");
      assertThat(errors).isGreaterThanOrEqualTo(3);

      // Repaired: the next sweep writes what failed; health is ok with no new write asked for.
      repairRunsDir();
      s.meter.sweep();
      assertThat(s.get("/healthz").body()).contains("\"status\":\"ok\"");
      assertThat(s.metric("tokenmeter_state_write_errors_total")).isEqualTo(errors);
      for (String run : new String[] {"manual", "budget", "run-a"}) {
        assertThat(s.get("/api/v1/runs/" + run + "/gate").statusCode()).as(run).isEqualTo(423);
      }
    }
    // What was paused while the directory refused writes survives a restart.
    Map<String, RunControl> onDisk = new DirectoryControlStore(state).loadRuns();
    assertThat(onDisk.keySet()).contains("manual", "budget", "run-a");
    try (TokenMeter again = meter()) {
      assertThat(again.gate("manual").isPaused()).isTrue();
      assertThat(again.gate("budget").isPaused()).isTrue();
      assertThat(again.gate("run-a").isPaused()).isTrue();
    }
  }

  @Test
  void aFullFileSystemIsReportedTheSameWay() throws Exception {
    // A small tmpfs filled to the last byte, when this machine lets us mount one (root, no
    // container restriction); otherwise this case is covered by the test above.
    Path mnt = state.resolve("mnt");
    Files.createDirectory(mnt);
    boolean mounted;
    try {
      Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt.toString())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      mounted = p.waitFor() == 0;
    } catch (IOException noMount) {
      mounted = false;
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(mounted, "cannot mount a tmpfs here");
    try {
      try (TokenMeter m = TokenMeter.builder().priceBook(CardinalityAttackTest.BOOK).stateDir(mnt.resolve("state"))
          .sweepInterval(Duration.ZERO).build()) {
        Path filler = mnt.resolve("filler");
        try (var out = Files.newOutputStream(filler)) {
          byte[] b = new byte[4096];
          for (int i = 0; i < 1000; i++) {
            out.write(b);
            out.flush();
          }
        } catch (IOException full) {
          // the file system is full now
        }
        m.pause("full", dev.tokenmeter.budget.PauseSource.MANUAL, "ops", "test");
        assertThat(m.gate("full").isPaused()).isTrue();
        assertThat(m.stateWritable()).isFalse();
        assertThat(m.stats().stateWriteErrors()).isPositive();
        Files.delete(filler);
        m.sweep();
        assertThat(m.stateWritable()).isTrue();
        assertThat(new DirectoryControlStore(mnt.resolve("state")).loadRuns()).containsKey("full");
      }
    } finally {
      new ProcessBuilder("umount", mnt.toString()).start().waitFor();
    }
  }
}
