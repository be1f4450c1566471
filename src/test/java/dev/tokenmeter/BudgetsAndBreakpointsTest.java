package dev.tokenmeter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenmeter.budget.Breakpoint;
import dev.tokenmeter.budget.BudgetExceededException;
import dev.tokenmeter.budget.BudgetScope;
import dev.tokenmeter.budget.HistoryEntry;
import dev.tokenmeter.budget.MeterListener;
import dev.tokenmeter.budget.PauseSource;
import dev.tokenmeter.budget.ResumeRefusedException;
import dev.tokenmeter.budget.ResumeRequest;
import dev.tokenmeter.budget.RunPausedException;
import dev.tokenmeter.budget.ThresholdAction;
import dev.tokenmeter.budget.ThresholdCrossing;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BudgetsAndBreakpointsTest {

  /** Records, per 1,000,000 opus input tokens, exactly $5. */
  private static final long FIVE_DOLLARS = 1_000_000;

  private final List<ThresholdCrossing> crossings = new CopyOnWriteArrayList<>();
  private final List<Breakpoint> pauses = new CopyOnWriteArrayList<>();
  private final List<HistoryEntry> resumes = new CopyOnWriteArrayList<>();

  private TokenMeter meter(String defaultBudget) {
    TokenMeter.Builder b = TokenMeter.builder().priceBook(TestPrices.book()).sweepInterval(Duration.ZERO);
    if (defaultBudget != null) {
      b.defaultRunBudget(new BigDecimal(defaultBudget));
    }
    TokenMeter m = b.build();
    m.addListener(new MeterListener() {
      @Override
      public void onThreshold(ThresholdCrossing c) {
        crossings.add(c);
      }

      @Override
      public void onPause(String run, String session, Breakpoint bp) {
        pauses.add(bp);
      }

      @Override
      public void onResume(String run, String session, HistoryEntry resume) {
        resumes.add(resume);
      }
    });
    return m;
  }

  /** Spends {@code usd} on opus ($5 per million input tokens). */
  private static void spend(UsageHandle h, String usd) {
    long tokens = new BigDecimal(usd).multiply(BigDecimal.valueOf(200_000)).longValueExact();
    h.record(tokens, 0, 0, 0, 0);
  }

  @Test
  void thresholdsFireOnceEachAndThePauseClosesTheGate() {
    TokenMeter meter = meter("10");
    UsageHandle h = meter.handle("r", "planner", TestPrices.OPUS);
    spend(h, "4.99");
    assertThat(crossings).isEmpty();
    spend(h, "0.01"); // $5.00: exactly 50%
    spend(h, "1");
    assertThat(crossings).extracting(c -> c.threshold().fraction().toPlainString()).containsExactly("0.5");
    spend(h, "2.5"); // $8.50
    spend(h, "0.5"); // $9.00
    assertThat(crossings).extracting(c -> c.threshold().fraction().toPlainString()).containsExactly("0.5", "0.8");
    assertThat(meter.gate("r").isPaused()).isFalse();
    meter.checkpoint("r");

    spend(h, "1"); // $10.00: 100%, pause
    spend(h, "1"); // the call in flight finishes and is still counted
    assertThat(crossings).extracting(c -> c.threshold().action()).containsExactly(
        ThresholdAction.NOTIFY, ThresholdAction.NOTIFY, ThresholdAction.PAUSE);
    assertThat(pauses).hasSize(1);
    Breakpoint bp = pauses.get(0);
    assertThat(bp.source()).isEqualTo(PauseSource.BUDGET);
    assertThat(bp.scope()).isEqualTo(BudgetScope.RUN);
    assertThat(bp.costUsd()).isEqualByComparingTo("10");
    assertThat(bp.budgetUsd()).isEqualByComparingTo("10");
    assertThat(bp.reason()).contains("run r reached its budget: $10 of $10");
    assertThatThrownBy(() -> meter.checkpoint("r"))
        .isInstanceOf(RunPausedException.class)
        .hasMessageContaining("run r is paused (budget)");
    RunStatus s = meter.status("r").orElseThrow();
    assertThat(s.state()).isEqualTo("paused");
    assertThat(s.costUsd()).isEqualByComparingTo("11");
  }

  @Test
  void resumeIsRefusedWhileStillOverBudgetAndAllowedByRaiseSetOrOverride() {
    TokenMeter meter = meter("2");
    UsageHandle h = meter.handle("r", "coder", TestPrices.OPUS);
    spend(h, "2.5");
    assertThat(meter.gate("r").isPaused()).isTrue();

    assertThatThrownBy(() -> meter.resume("r", ResumeRequest.builder().build()))
        .isInstanceOf(ResumeRefusedException.class)
        .hasMessageContaining("cost $2.5, at or above its budget $2")
        .hasMessageContaining("Raise the budget above $2.5");
    assertThatThrownBy(() -> meter.resume("r", ResumeRequest.builder().raiseUsd(new BigDecimal("0.5")).build()))
        .isInstanceOf(ResumeRefusedException.class)
        .hasMessageContaining("the new budget $2.5");
    assertThat(meter.gate("r").isPaused()).isTrue();
    assertThat(meter.status("r").orElseThrow().budgetUsd()).isEqualByComparingTo("2");

    meter.resume("r", ResumeRequest.builder().raiseUsd(new BigDecimal("2")).by("alice").reason("worth it").build());
    assertThat(meter.gate("r").isPaused()).isFalse();
    assertThat(meter.status("r").orElseThrow().budgetUsd()).isEqualByComparingTo("4");
    assertThat(resumes).singleElement().satisfies(e -> {
      assertThat(e.by()).isEqualTo("alice");
      assertThat(e.source()).isEqualTo("raise");
    });

    spend(h, "1.5"); // $4: the raised budget pauses again
    assertThat(meter.gate("r").isPaused()).isTrue();
    meter.resume("r", ResumeRequest.builder().budgetUsd(new BigDecimal("6")).build());
    assertThat(meter.gate("r").isPaused()).isFalse();

    spend(h, "2"); // $6
    assertThat(meter.gate("r").isPaused()).isTrue();
    meter.resume("r", ResumeRequest.builder().override(true).by("bob").build());
    assertThat(meter.gate("r").isPaused()).isFalse();
    spend(h, "1"); // over budget, overridden: no new pause for this budget value
    assertThat(meter.gate("r").isPaused()).isFalse();
    assertThat(meter.status("r").orElseThrow().overridden()).isTrue();

    assertThat(meter.status("r").orElseThrow().history())
        .extracting(HistoryEntry::action)
        .containsSubsequence(HistoryEntry.Action.PAUSE, HistoryEntry.Action.BUDGET, HistoryEntry.Action.RESUME,
            HistoryEntry.Action.PAUSE, HistoryEntry.Action.BUDGET, HistoryEntry.Action.RESUME,
            HistoryEntry.Action.PAUSE, HistoryEntry.Action.RESUME);
    assertThatThrownBy(() -> meter.resume("r", ResumeRequest.builder().build()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("run r is not paused");
  }

  @Test
  void checkpointBlockingFormWaitsForResumeAndTimesOut() throws Exception {
    TokenMeter meter = meter("1");
    spend(meter.handle("r", "main", TestPrices.OPUS), "1");
    assertThat(meter.awaitOpen("r", Duration.ofMillis(50))).isFalse();

    ExecutorService pool = Executors.newSingleThreadExecutor();
    Future<Boolean> waiter = pool.submit(() -> meter.awaitOpen("r", Duration.ofSeconds(30)));
    Thread.sleep(50);
    assertThat(waiter.isDone()).isFalse();
    meter.resume("r", ResumeRequest.builder().raiseUsd(BigDecimal.ONE).build());
    assertThat(waiter.get(10, TimeUnit.SECONDS)).isTrue();
    pool.shutdown();
    assertThat(meter.awaitOpen("r", Duration.ZERO)).isTrue();
  }

  @Test
  void checkpointNonBlockingFormCompletesOnResume() throws Exception {
    TokenMeter meter = meter("1");
    assertThat(meter.whenOpen("r").toCompletableFuture().isDone()).isTrue();
    spend(meter.handle("r", "main", TestPrices.OPUS), "1.2");
    CompletableFuture<Void> open = meter.whenOpen("r").toCompletableFuture();
    assertThat(open.isDone()).isFalse();
    // A caller completing its own copy cannot open the gate for everyone.
    open.complete(null);
    CompletableFuture<Void> other = meter.whenOpen("r").toCompletableFuture();
    assertThat(other.isDone()).isFalse();

    meter.resume("r", ResumeRequest.builder().override(true).build());
    other.get(5, TimeUnit.SECONDS);
    assertThat(other.isDone()).isTrue();
  }

  @Test
  void manualAndAlertPausesAreRecordedWithSourceAndActor() {
    TokenMeter meter = meter(null);
    assertThat(meter.pause("r", PauseSource.MANUAL, "lunch", "carol")).isTrue();
    assertThat(meter.pause("r", PauseSource.ALERT, "again", "am")).isFalse(); // already paused: unchanged
    Breakpoint bp = meter.gate("r").breakpoint();
    assertThat(bp.reason()).isEqualTo("lunch");
    assertThat(bp.by()).isEqualTo("carol");
    assertThat(bp.source()).isEqualTo(PauseSource.MANUAL);
    meter.resume("r", ResumeRequest.builder().build()); // no budget: a plain resume is fine
    assertThat(meter.gate("r").isPaused()).isFalse();
  }

  @Test
  void sixteenThreadsReservingNeverCommitMoreThanTheBudget() throws Exception {
    TokenMeter meter = meter("10");
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger granted = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String sub = "coder-" + t;
      done.add(pool.submit(() -> {
        UsageHandle h = meter.handle("r", sub, TestPrices.OPUS);
        start.await();
        for (int i = 0; i < 200; i++) {
          try {
            Reservation r = meter.reserve("r", sub, new BigDecimal("0.05"));
            granted.incrementAndGet();
            // actual usage up to the estimate: 0.01 .. 0.05
            r.settle(h, 2_000L * (1 + i % 5), 0, 0, 0, 0);
          } catch (BudgetExceededException e) {
            refused.incrementAndGet();
          }
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    RunStatus s = meter.status("r").orElseThrow();
    assertThat(s.costUsd()).isLessThanOrEqualTo(new BigDecimal("10"));
    assertThat(s.reservedUsd()).isEqualByComparingTo("0");
    assertThat(refused.get()).isPositive();
    assertThat(granted.get()).isEqualTo(s.requests());
  }

  @Test
  void reservationIsRefusedWithAMessageAndReleasedWhenUnused() {
    TokenMeter meter = meter("1");
    Reservation r = meter.reserve("r", "main", new BigDecimal("0.8"));
    assertThatThrownBy(() -> meter.reserve("r", "main", new BigDecimal("0.3")))
        .isInstanceOf(BudgetExceededException.class)
        .hasMessage("reserving $0.3 would exceed the budget of run r: $0 spent and $0.8 reserved of $1");
    r.release();
    r.release(); // a second end does nothing
    assertThat(meter.reserve("r", "main", new BigDecimal("0.3")).amountUsd()).isEqualByComparingTo("0.3");
  }

  @Test
  void sessionBudgetPausesEveryRunOfTheSessionAndARaiseResumesThem() {
    TokenMeter meter = meter(null);
    meter.setSessionBudget("s", new BigDecimal("3"), "ops");
    UsageHandle a = meter.handle("a", "s", "main", TestPrices.OPUS);
    UsageHandle b = meter.handle("b", "s", "main", TestPrices.OPUS);
    UsageHandle other = meter.handle("c", "t", "main", TestPrices.OPUS);
    spend(a, "1.5");
    spend(other, "5");
    assertThat(meter.gate("a").isPaused()).isFalse();
    spend(b, "1.5"); // the session reaches $3
    assertThat(meter.gate("a").isPaused()).isTrue();
    assertThat(meter.gate("b").isPaused()).isTrue();
    assertThat(meter.gate("c").isPaused()).isFalse();
    assertThat(meter.gate("a").breakpoint().scope()).isEqualTo(BudgetScope.SESSION);

    meter.resume("a", ResumeRequest.builder().raiseUsd(new BigDecimal("1")).build());
    assertThat(meter.gate("a").isPaused()).isFalse();
    assertThat(meter.gate("b").isPaused()).isFalse();
    assertThat(meter.snapshot().sessions()).singleElement()
        .satisfies(x -> assertThat(x.budgetUsd()).isEqualByComparingTo("4"));
  }

  @Test
  void aRunJoiningAPausedSessionStartsPausedUntilTheSessionIsResumed() {
    TokenMeter meter = meter(null);
    meter.setSessionBudget("s", new BigDecimal("2"), "ops");
    spend(meter.handle("a", "s", "main", TestPrices.OPUS), "2");
    assertThat(meter.gate("a").isPaused()).isTrue();

    // A run that starts after the session was paused: its first checkpoint stops it.
    UsageHandle late = meter.handle("late", "s", "main", TestPrices.OPUS);
    assertThat(meter.gate("late").isPaused()).isTrue();
    assertThat(meter.gate("late").breakpoint().scope()).isEqualTo(BudgetScope.SESSION);
    assertThat(meter.gate("late").breakpoint().scopeKey()).isEqualTo("s");
    assertThatThrownBy(() -> meter.checkpoint("late")).isInstanceOf(RunPausedException.class);
    assertThat(meter.handle("elsewhere", "t", "main", TestPrices.OPUS)).isNotNull();
    assertThat(meter.gate("elsewhere").isPaused()).isFalse();

    // Raising the session budget from any of its runs resumes them all, and new runs start open.
    meter.resume("late", ResumeRequest.builder().raiseUsd(new BigDecimal("1")).build());
    assertThat(meter.gate("a").isPaused()).isFalse();
    assertThat(meter.gate("late").isPaused()).isFalse();
    meter.handle("later", "s", "main", TestPrices.OPUS);
    assertThat(meter.gate("later").isPaused()).isFalse();
    spend(late, "0.5");
    assertThat(meter.gate("later").isPaused()).isFalse();
  }

  @Test
  void anAlertForASessionNotSeenYetPausesItsRunsWhenTheyShowUp() {
    TokenMeter meter = meter(null);
    assertThat(meter.pauseSession("s-remote", PauseSource.ALERT, "TokenmeterSessionBudgetExceeded", "alertmanager"))
        .isZero();
    meter.handle("r1", "s-remote", "main", TestPrices.OPUS);
    Breakpoint bp = meter.gate("r1").breakpoint();
    assertThat(bp).isNotNull();
    assertThat(bp.source()).isEqualTo(PauseSource.ALERT);
    assertThat(bp.reason()).isEqualTo("TokenmeterSessionBudgetExceeded");
    assertThat(pauses).hasSize(1);
    // A repeat of the alert pauses nothing new.
    assertThat(meter.pauseSession("s-remote", PauseSource.ALERT, "TokenmeterSessionBudgetExceeded", "alertmanager"))
        .isZero();

    meter.resume("r1", ResumeRequest.builder().budgetUsd(new BigDecimal("10")).by("ops").build());
    assertThat(meter.gate("r1").isPaused()).isFalse();
    meter.handle("r2", "s-remote", "main", TestPrices.OPUS);
    assertThat(meter.gate("r2").isPaused()).isFalse();
  }

  @Test
  void subagentBudgetPausesTheRunNamingTheSubagent() {
    TokenMeter meter = meter(null);
    meter.setSubagentBudget("r", "coder", new BigDecimal("1"), "ops");
    spend(meter.handle("r", "planner", TestPrices.OPUS), "3");
    assertThat(meter.gate("r").isPaused()).isFalse();
    spend(meter.handle("r", "coder", TestPrices.OPUS), "1");
    Breakpoint bp = meter.gate("r").breakpoint();
    assertThat(bp.scope()).isEqualTo(BudgetScope.SUBAGENT);
    assertThat(bp.scopeKey()).isEqualTo("coder");
    assertThat(bp.reason()).startsWith("subagent coder reached its budget");
    meter.resume("r", ResumeRequest.builder().raiseUsd(new BigDecimal("1")).build());
    assertThat(meter.status("r").orElseThrow().subagentBudgetsUsd()).containsEntry("coder", new BigDecimal("2"));
  }

  @Test
  void settingABudgetBelowTheCostPauses() {
    TokenMeter meter = meter(null);
    spend(meter.handle("r", "main", TestPrices.OPUS), "3");
    meter.setRunBudget("r", new BigDecimal("2"), "ops");
    assertThat(meter.gate("r").isPaused()).isTrue();
    // Notify thresholds the cost was already past are not re-announced for the new value.
    assertThat(crossings).extracting(c -> c.threshold().action()).containsExactly(ThresholdAction.PAUSE);
  }
}
