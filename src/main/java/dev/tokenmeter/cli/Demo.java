package dev.tokenmeter.cli;

import dev.tokenmeter.Reservation;
import dev.tokenmeter.RunStatus;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.UsageHandle;
import dev.tokenmeter.budget.Breakpoint;
import dev.tokenmeter.budget.BudgetExceededException;
import dev.tokenmeter.budget.HistoryEntry;
import dev.tokenmeter.budget.MeterListener;
import dev.tokenmeter.budget.PauseSource;
import dev.tokenmeter.budget.ThresholdCrossing;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A simulated orchestration, driven through the public Java API exactly as an orchestrator
 * would: a pre-bound {@link UsageHandle} per (subagent, model), a reservation before each call,
 * the gate checked before each dispatch, usage recorded from each result. One run: a planner on
 * claude-opus-4-5, two coders in parallel on claude-sonnet-4-5, a reviewer on gpt-4.1.
 */
final class Demo {

  /** One simulated model call: its delay at speed 1 and its tokens. */
  private static final class Call {
    final long millis;
    final long input;
    final long output;
    final long cacheRead;
    final long cacheWrite5m;

    Call(long millis, long input, long output, long cacheRead, long cacheWrite5m) {
      this.millis = millis;
      this.input = input;
      this.output = output;
      this.cacheRead = cacheRead;
      this.cacheWrite5m = cacheWrite5m;
    }
  }

  private final TokenMeter meter;
  private final String run;
  private final double speed;
  /** What the narrator tells a person to type to resume the run. */
  private final String resumeCommand;
  private final PrintWriter out;
  private final Random random = new Random(42); // the same demo every time

  Demo(TokenMeter meter, String run, double speed, PrintWriter out, String resumeCommand) {
    this.resumeCommand = resumeCommand;
    this.meter = meter;
    this.run = run;
    this.speed = speed;
    this.out = out;
  }

  /** Prints thresholds, pauses and resumes as they happen. */
  MeterListener narrator() {
    return new MeterListener() {
      @Override
      public void onThreshold(ThresholdCrossing c) {
        say(String.format("** %s%% of the %s budget: %s of %s (%s)", c.threshold().fraction().movePointRight(2).stripTrailingZeros().toPlainString(),
            c.scope().label(), StatusView.usd(c.costUsd()), c.budgetUsd() == null ? "-" : StatusView.usd(c.budgetUsd()), c.threshold().action().label()));
      }

      @Override
      public void onPause(String r, String session, Breakpoint bp) {
        say("** PAUSED (" + bp.source().label() + "): " + bp.reason());
        say("   calls in flight finish; every subagent stops at its next checkpoint.");
        say("   resume from another terminal:  " + resumeCommand);
      }

      @Override
      public void onResume(String r, String session, HistoryEntry h) {
        say("** RESUMED by " + h.by() + " (" + h.source() + "), budget now " + (h.budgetUsd() == null ? "none" : StatusView.usd(h.budgetUsd())));
      }
    };
  }

  /** Runs the orchestration to its end; blocks while the run is paused. */
  void run() throws InterruptedException {
    String session = "demo";
    say("planner plans the work (claude-opus-4-5)");
    UsageHandle planner = meter.handle(run, session, "planner", "claude-opus-4-5");
    for (int i = 0; i < 3; i++) {
      call(planner, "0.06", new Call(3000, between(6_000, 10_000), between(1_500, 3_000), between(20_000, 40_000), i == 0 ? 8_000 : 0));
    }

    say("two coders work in parallel (claude-sonnet-4-5)");
    ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "demo-coder");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> coders = new ArrayList<>();
      for (String name : new String[] {"coder-1", "coder-2"}) {
        UsageHandle h = meter.handle(run, session, "coder", "claude-sonnet-4-5");
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          calls.add(new Call(between(3_000, 5_000), between(4_000, 8_000), between(2_000, 5_000), between(40_000, 90_000), between(5_000, 15_000)));
        }
        coders.add(pool.submit(() -> {
          for (Call c : calls) {
            call(h, "0.04", c);
          }
          say(name + " done");
          return null;
        }));
      }
      for (Future<?> f : coders) {
        try {
          f.get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("a coder failed", e.getCause());
        }
      }
    } finally {
      pool.shutdownNow();
    }

    say("reviewer reviews (gpt-4.1)");
    UsageHandle reviewer = meter.handle(run, session, "reviewer", "gpt-4.1");
    for (int i = 0; i < 3; i++) {
      call(reviewer, "0.07", new Call(3000, between(20_000, 40_000), between(1_000, 3_000), 20_000, 0));
    }
    meter.endRun(run);
    say("run " + run + " complete: " + StatusView.usd(meter.status(run).orElseThrow().costUsd()));
  }

  /** One task: wait at the gate, reserve, call the model, record what it used. */
  private void call(UsageHandle h, String estimateUsd, Call c) throws InterruptedException {
    while (true) {
      awaitOpen();
      Reservation r = null;
      try {
        r = meter.reserve(run, h.subagent(), new BigDecimal(estimateUsd));
      } catch (BudgetExceededException e) {
        RunStatus st = meter.status(run).orElseThrow();
        if (!st.overridden()) {
          if (st.reservedUsd().signum() > 0) {
            // Calls in flight will settle and may cross the budget themselves: wait for them.
            Thread.sleep((long) (200 / speed) + 1);
            continue;
          }
          // Nothing in flight and the next call does not fit: stop here rather than overshoot.
          meter.pause(run, PauseSource.BUDGET, "the next " + h.subagent() + " call (about $" + estimateUsd
              + ") does not fit: $" + StatusView.usd(st.costUsd()).substring(1) + " spent of $" + st.budgetUsd().toPlainString(),
              "demo orchestrator");
          continue;
        }
      }
      Thread.sleep((long) (c.millis / speed));
      if (r != null) {
        r.settle(h, c.input, c.output, c.cacheRead, c.cacheWrite5m, 0);
      } else {
        h.record(c.input, c.output, c.cacheRead, c.cacheWrite5m, 0);
      }
      say(String.format("  %-9s %-18s in %,7d  out %,6d  cache read %,7d  cache write %,6d   run total $%s",
          h.subagent(), h.model(), c.input, c.output, c.cacheRead, c.cacheWrite5m,
          meter.status(run).orElseThrow().costUsd().setScale(4, java.math.RoundingMode.HALF_UP).toPlainString()));
      return;
    }
  }

  private void awaitOpen() throws InterruptedException {
    while (!meter.awaitOpen(run, Duration.ofSeconds(1))) {
      // paused: a person decides; the checkpoint simply waits
    }
  }

  private synchronized long between(long lo, long hi) {
    return lo + (long) (random.nextDouble() * (hi - lo));
  }

  private void say(String s) {
    synchronized (out) {
      out.println(s);
      out.flush();
    }
  }
}
