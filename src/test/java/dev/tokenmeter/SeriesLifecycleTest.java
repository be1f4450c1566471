package dev.tokenmeter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.budget.PauseSource;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class SeriesLifecycleTest {

  private final ManualClock clock = new ManualClock();

  private TokenMeter meter(int cap) {
    return TokenMeter.builder()
        .priceBook(TestPrices.book())
        .clock(clock)
        .retention(Duration.ofMinutes(15))
        .idleTimeout(Duration.ofMinutes(30))
        .maxExportedRuns(cap)
        .sweepInterval(Duration.ZERO)
        .build();
  }

  private static long seriesOf(TokenMeter m, String run) {
    return m.snapshot().series().stream().filter(s -> s.run().equals(run)).count();
  }

  @Test
  void anEndedRunIsKeptForTheRetentionThenRemoved() {
    TokenMeter m = meter(100);
    m.handle("done", "main", TestPrices.OPUS).record(10, 10, 0, 0, 0);
    m.handle("going", "main", TestPrices.OPUS).record(10, 10, 0, 0, 0);
    m.endRun("done");
    assertThat(m.status("done").orElseThrow().state()).isEqualTo("ended");

    clock.advance(Duration.ofMinutes(14));
    m.sweep();
    assertThat(seriesOf(m, "done")).isEqualTo(1);

    clock.advance(Duration.ofMinutes(2));
    m.sweep();
    assertThat(seriesOf(m, "done")).isZero();
    assertThat(m.status("done")).isEmpty();
    assertThat(seriesOf(m, "going")).isEqualTo(1);
    assertThat(m.stats().evictedRuns()).isEqualTo(1);
    // Long-term spend keeps what the removed run spent.
    assertThat(m.snapshot().spend()).singleElement()
        .satisfies(s -> assertThat(s.usd()).isEqualByComparingTo(new BigDecimal("0.0006")));
  }

  @Test
  void anIdleRunIsRemovedAfterIdleTimeoutPlusRetentionButUsageKeepsItAlive() {
    TokenMeter m = meter(100);
    UsageHandle h = m.handle("r", "main", TestPrices.OPUS);
    h.record(1, 1, 0, 0, 0);
    clock.advance(Duration.ofMinutes(40));
    h.record(1, 1, 0, 0, 0);
    clock.advance(Duration.ofMinutes(40));
    m.sweep();
    assertThat(seriesOf(m, "r")).isEqualTo(1);
    clock.advance(Duration.ofMinutes(6));
    m.sweep();
    assertThat(seriesOf(m, "r")).isZero();
  }

  @Test
  void aPauseForAnUnseenSessionIsRememberedForTheRetentionThenForgotten() {
    TokenMeter m = meter(100);
    m.pauseSession("near", PauseSource.ALERT, "session over budget", "alertmanager");
    m.pauseSession("far", PauseSource.ALERT, "session over budget", "alertmanager");
    m.sweep();
    clock.advance(Duration.ofMinutes(14));
    m.sweep();
    m.handle("r-near", "near", "main", TestPrices.OPUS);
    assertThat(m.gate("r-near").isPaused()).isTrue();

    clock.advance(Duration.ofMinutes(2));
    m.sweep();
    m.handle("r-far", "far", "main", TestPrices.OPUS);
    assertThat(m.gate("r-far").isPaused()).isFalse();
    // A session that still has a run is kept, whatever its age.
    clock.advance(Duration.ofHours(3));
    m.sweep();
    m.sweep();
    m.handle("r-near-2", "near", "main", TestPrices.OPUS);
    assertThat(m.gate("r-near-2").isPaused()).isTrue();
  }

  @Test
  void aPausedRunWithUsageStaysUntilResumedAndAnUnseenPauseIsRememberedForTheRetention() {
    TokenMeter m = meter(100);
    m.handle("p", "main", TestPrices.OPUS).record(1, 1, 0, 0, 0);
    m.pause("p", PauseSource.MANUAL, "hold", "ops");
    m.pause("unseen", PauseSource.ALERT, "from another instance", "alertmanager");
    clock.advance(Duration.ofHours(3));
    m.sweep();
    assertThat(m.status("p")).isPresent();
    assertThat(m.status("unseen")).isEmpty();

    // Within the retention, the unseen run starts paused when its usage shows up.
    m.pause("later", PauseSource.ALERT, "budget", "alertmanager");
    clock.advance(Duration.ofMinutes(5));
    m.sweep();
    m.handle("later", "main", TestPrices.OPUS).record(1, 1, 0, 0, 0);
    assertThat(m.gate("later").isPaused()).isTrue();
  }

  @Test
  void runsPastTheCapFoldIntoOverflowAndAreStillEnforced() {
    TokenMeter m = meter(3);
    for (int i = 0; i < 5; i++) {
      m.handle("r" + i, "coder", TestPrices.OPUS).record(200_000, 0, 0, 0, 0); // $1 each
    }
    m.setRunBudget("r4", new BigDecimal("1.50"), "ops");
    MeterSnapshot snap = m.snapshot();
    assertThat(snap.series()).extracting(MeterSnapshot.SeriesSample::run)
        .containsExactlyInAnyOrder("r0", "r1", "r2", TokenMeter.OVERFLOW_RUN);
    MeterSnapshot.SeriesSample overflow =
        snap.series().stream().filter(s -> s.run().equals(TokenMeter.OVERFLOW_RUN)).findFirst().orElseThrow();
    assertThat(overflow.tokens().input()).isEqualTo(400_000);
    assertThat(overflow.requests()).isEqualTo(2);
    assertThat(overflow.costUsd()).isEqualByComparingTo("2");
    assertThat(m.stats().overflowRuns()).isEqualTo(2);
    assertThat(snap.runs()).extracting(MeterSnapshot.RunSample::run).containsExactlyInAnyOrder("r0", "r1", "r2");

    // The budget of an overflowed run is enforced all the same.
    m.handle("r4", "coder", TestPrices.OPUS).record(100_000, 0, 0, 0, 0);
    assertThat(m.gate("r4").isPaused()).isTrue();

    // When an exported run leaves, its slot goes to the next new run.
    m.endRun("r0");
    clock.advance(Duration.ofMinutes(16));
    m.sweep();
    m.handle("r5", "coder", TestPrices.OPUS).record(1, 0, 0, 0, 0);
    assertThat(m.snapshot().series()).extracting(MeterSnapshot.SeriesSample::run).contains("r5").doesNotContain("r0");
  }
}
