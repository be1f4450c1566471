package dev.tokenmeter;

import dev.tokenmeter.budget.Breakpoint;
import dev.tokenmeter.budget.BudgetAccount;
import dev.tokenmeter.budget.BudgetExceededException;
import dev.tokenmeter.budget.BudgetScope;
import dev.tokenmeter.budget.ControlStore;
import dev.tokenmeter.budget.DirectoryControlStore;
import dev.tokenmeter.budget.HistoryEntry;
import dev.tokenmeter.budget.MeterListener;
import dev.tokenmeter.budget.PauseSource;
import dev.tokenmeter.budget.ResumeRefusedException;
import dev.tokenmeter.budget.ResumeRequest;
import dev.tokenmeter.budget.RunControl;
import dev.tokenmeter.budget.RunGate;
import dev.tokenmeter.budget.Threshold;
import dev.tokenmeter.budget.ThresholdAction;
import dev.tokenmeter.budget.ThresholdCrossing;
import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.Prices;
import dev.tokenmeter.pricing.Pricing;
import dev.tokenmeter.usage.IdempotencyKeys;
import dev.tokenmeter.usage.Ledger;
import dev.tokenmeter.usage.Series;
import dev.tokenmeter.usage.TokenCounts;
import dev.tokenmeter.usage.UsageEvent;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java API of tokenmeter: records usage, prices it, enforces budgets with pause breakpoints,
 * and serves the exporters a view of the ledger. One instance per process is the norm.
 *
 * <pre>{@code
 * TokenMeter meter = TokenMeter.builder().defaultRunBudget(new BigDecimal("5.00")).build();
 * UsageHandle coder = meter.handle("run-42", "coder", "claude-sonnet-4-5");
 * meter.checkpoint("run-42");            // before dispatching a task: throws while paused
 * coder.record(1200, 350, 80_000, 0, 0);  // from the task result
 * }</pre>
 *
 * <p>Recording never throws into the caller: invalid events are rejected and counted, failures
 * are counted and logged.
 */
public final class TokenMeter implements AutoCloseable {

  /** The run label of runs past the export cap. */
  public static final String OVERFLOW_RUN = "_overflow";
  /**
   * At most this many (subagent, model) series are exported for {@code run="_overflow"}; past it
   * they fold into {@code subagent="_overflow", model="_overflow"}.
   */
  public static final int MAX_OVERFLOW_SERIES = 1_000;
  /** At most this many (subagent, model) series per run; past it, names fold (see {@link #handle}). */
  public static final int MAX_SERIES_PER_RUN = 200;

  private static final Logger log = LoggerFactory.getLogger(TokenMeter.class);

  private final Pricing pricing;
  private final ControlStore store;
  private final Clock clock;
  private final List<Threshold> thresholds;
  private final BigDecimal defaultRunBudgetUsd;
  private final long retentionMillis;
  private final long idleMillis;
  private final int maxExportedRuns;
  private final int maxTrackedRuns;
  private final Ledger ledger = new Ledger();
  private final IdempotencyKeys keys;
  private final ConcurrentHashMap<String, RunState> runs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, SessionState> sessions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, BigDecimal> sessionBudgets = new ConcurrentHashMap<>();
  private final List<MeterListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicInteger exportedRuns = new AtomicInteger();
  private final LongAdder evicted = new LongAdder();
  private final LongAdder overflowed = new LongAdder();
  private final LongAdder runFolds = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder recordErrors = new LongAdder();
  private final LongAdder listenerErrors = new LongAdder();
  private final LongAdder stateWriteErrors = new LongAdder();
  private final LongAdder ingestErrors = new LongAdder();
  private final LongAdder webhookAccepted = new LongAdder();
  private final LongAdder webhookRejected = new LongAdder();
  private volatile boolean stateWritable = true;
  /**
   * Runs and sessions whose last write to the store failed: written again by {@link #sweep()},
   * so that a state directory that takes writes again gets every pause that happened meanwhile
   * (and health recovers) without waiting for another change to each run.
   */
  private final java.util.Set<String> unsavedRuns = ConcurrentHashMap.newKeySet();
  private final java.util.Set<String> unsavedSessions = ConcurrentHashMap.newKeySet();
  private volatile LongSupplier pricebookReloads = () -> 0;
  private volatile LongSupplier pricebookReloadErrors = () -> 0;
  private final ScheduledExecutorService sweeper;
  private final MeterReader reader;
  /**
   * The system clock read every {@link #TICK_MILLIS} ms by the background thread, so that recording
   * stamps a run's last usage without a clock read of its own (a read costs as much as the rest
   * of the recording path). Only used with the system clock; an injected clock is read directly.
   */
  private volatile long coarseMillis;
  private final boolean coarse;
  static final long TICK_MILLIS = 10;

  private TokenMeter(Builder b) {
    this.pricing = b.pricing != null ? b.pricing : new Pricing(b.priceBook != null ? b.priceBook : PriceBook.empty());
    this.store = b.store != null ? b.store : b.stateDir != null ? new DirectoryControlStore(b.stateDir) : ControlStore.none();
    this.clock = b.clock;
    this.thresholds = List.copyOf(b.thresholds);
    this.defaultRunBudgetUsd = b.defaultRunBudgetUsd;
    this.retentionMillis = b.retention.toMillis();
    this.idleMillis = b.idleTimeout.toMillis();
    this.maxExportedRuns = b.maxExportedRuns;
    this.maxTrackedRuns = b.maxTrackedRuns;
    this.keys = new IdempotencyKeys(b.idempotencyWindow);
    this.reader = new MeterReader(pricing, ledger);
    this.listeners.addAll(b.listeners);
    restore();
    pricing.onUpdate(this::reprice);
    this.coarse = !b.sweepInterval.isZero() && b.clock.equals(Clock.systemUTC());
    this.coarseMillis = clock.millis();
    if (b.sweepInterval.isZero()) {
      this.sweeper = null;
    } else {
      this.sweeper =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "tokenmeter-sweeper");
                t.setDaemon(true);
                return t;
              });
      long every = b.sweepInterval.toMillis();
      sweeper.scheduleWithFixedDelay(this::sweepQuietly, every, every, TimeUnit.MILLISECONDS);
      if (coarse) {
        sweeper.scheduleAtFixedRate(() -> coarseMillis = clock.millis(), TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
      }
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- recording

  /** A pre-bound recorder for (run, subagent, model) of a run that has no session. */
  public UsageHandle handle(String run, String subagent, String model) {
    return handle(run, null, subagent, model);
  }

  /**
   * A pre-bound recorder for (run, subagent, model); the run joins {@code session} if it has
   * none yet. Cached: the same arguments return the same handle. Past
   * {@link #MAX_SERIES_PER_RUN} (subagent, model) pairs in one run, a new pair is recorded under
   * subagent {@code _overflow} and the name of the model's price entry (or {@code _overflow} when
   * it has none): the run's and session's budgets stay exact, a subagent budget does not apply to
   * a folded name.
   *
   * @throws IllegalArgumentException if run or model is empty
   */
  public UsageHandle handle(String run, String session, String subagent, String model) {
    if (run == null || run.isEmpty()) {
      throw new IllegalArgumentException("run is required");
    }
    if (model == null || model.isEmpty()) {
      throw new IllegalArgumentException("model is required");
    }
    String sa = subagent == null || subagent.isEmpty() ? UsageEvent.DEFAULT_SUBAGENT : subagent;
    RunState rs = runState(run);
    if (session != null && rs.session == null) {
      joinSession(rs, session);
    }
    UsageHandle h = cachedHandle(rs, sa, model);
    if (h != null) {
      return h;
    }
    String m = model;
    if (rs.handleCount.get() >= MAX_SERIES_PER_RUN) {
      // Thousands of names in one run are a bug or an attack: bound its series, keep its price.
      runFolds.increment();
      ModelPrice p = pricing.book().find(model);
      sa = OVERFLOW_RUN;
      m = p == null ? OVERFLOW_RUN : p.name();
      h = cachedHandle(rs, sa, m);
      if (h != null) {
        return h;
      }
    }
    String label = sa;
    return rs.handles.computeIfAbsent(label, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(m, x -> {
          rs.handleCount.incrementAndGet();
          return new UsageHandle(this, rs, label, x);
        });
  }

  private static UsageHandle cachedHandle(RunState rs, String subagent, String model) {
    ConcurrentHashMap<String, UsageHandle> byModel = rs.handles.get(subagent);
    return byModel == null ? null : byModel.get(model);
  }

  /**
   * Records one usage event. Returns true when it was counted, false when it was a duplicate (its
   * idempotency key was seen) or could not be recorded. Never throws.
   */
  public boolean record(UsageEvent e) {
    String key = null;
    try {
      key = e.idempotencyKey();
      if (key != null && !keys.claim(key)) {
        duplicates.increment();
        return false;
      }
      UsageHandle h = handle(e.run(), e.session(), e.subagent(), e.model());
      TokenCounts t = e.tokens();
      return apply(h, t.input(), t.output(), t.cacheRead(), t.cacheWrite5m(), t.cacheWrite1h(), e);
    } catch (RuntimeException | Error failure) {
      if (key != null) {
        keys.release(key);
      }
      recordFailed(failure);
      return false;
    }
  }

  /**
   * Records that a call already recorded grew: a later copy of a streamed response reports more
   * tokens than the copy recorded first. Adds {@code current - previous}, count by count, without
   * counting another request, at the tier the call's current size decides. {@code current}
   * carries the call's labels, its whole usage so far and an idempotency key that names this
   * step of growth (the same growth fed twice counts once). Returns true when counted, false for
   * a duplicate, a missing key, or a count below {@code previous} (rejected: metrics never go
   * down). Never throws.
   */
  public boolean recordGrowth(UsageEvent current, TokenCounts previous) {
    String key = null;
    try {
      key = current.idempotencyKey();
      TokenCounts t = current.tokens();
      long input = t.input() - previous.input();
      long output = t.output() - previous.output();
      long cacheRead = t.cacheRead() - previous.cacheRead();
      long cacheWrite5m = t.cacheWrite5m() - previous.cacheWrite5m();
      long cacheWrite1h = t.cacheWrite1h() - previous.cacheWrite1h();
      if (key == null || (input | output | cacheRead | cacheWrite5m | cacheWrite1h) < 0) {
        rejected.increment();
        return false;
      }
      if (!keys.claim(key)) {
        duplicates.increment();
        return false;
      }
      UsageHandle h = handle(current.run(), current.session(), current.subagent(), current.model());
      return grow(h, t.contextTokens(), input, output, cacheRead, cacheWrite5m, cacheWrite1h, current);
    } catch (RuntimeException | Error failure) {
      if (key != null) {
        keys.release(key);
      }
      recordFailed(failure);
      return false;
    }
  }

  private boolean grow(
      UsageHandle h, long contextTokens, long input, long output, long cacheRead,
      long cacheWrite5m, long cacheWrite1h, UsageEvent current) {
    RunState rs = h.run;
    ModelPrice price = h.price(pricing.book());
    boolean longContext = price != null && price.isLongContext(contextTokens);
    h.series.grow(longContext, input, output, cacheRead, cacheWrite5m, cacheWrite1h);
    rs.ledger.touch(coarse ? coarseMillis : clock.millis());
    long pico = charge(h, price, longContext, input, output, cacheRead, cacheWrite5m, cacheWrite1h);
    if (!listeners.isEmpty()) {
      UsageEvent added = current.toBuilder()
          .tokens(TokenCounts.of(input, output, cacheRead, cacheWrite5m, cacheWrite1h))
          .build();
      BigDecimal cost = pico < 0 ? null : Prices.picoToUsd(pico);
      for (MeterListener l : listeners) {
        try {
          l.onUsageGrowth(added, cost);
        } catch (RuntimeException ex) {
          listenerFailed(ex);
        }
      }
    }
    return true;
  }

  /**
   * Prices tokens already added to the ledger and commits them to spend and every budget they
   * count toward; an unpriced model's tokens go to the unpriced counters. Returns the cost in
   * pico-USD, or -1 when unpriced.
   */
  private long charge(
      UsageHandle h, ModelPrice price, boolean longContext, long input, long output, long cacheRead,
      long cacheWrite5m, long cacheWrite1h) {
    if (price == null) {
      ledger.unpriced(h.model).add(input, output, cacheRead, cacheWrite5m, cacheWrite1h);
      return -1;
    }
    RunState rs = h.run;
    long pico = price.prices(longContext).costPico(input, output, cacheRead, cacheWrite5m, cacheWrite1h);
    h.spend.addPico(pico);
    if (rs.account.commit(pico)) {
      crossed(rs, BudgetScope.RUN, rs.run, rs.account);
    }
    if (h.subagentAccount.commit(pico)) {
      crossed(rs, BudgetScope.SUBAGENT, h.subagent, h.subagentAccount);
    }
    SessionState s = rs.session;
    if (s != null && s.account.commit(pico)) {
      crossed(rs, BudgetScope.SESSION, s.id, s.account);
    }
    return pico;
  }

  /** Whether an event with this idempotency key was counted within the remembered window. */
  public boolean seen(String idempotencyKey) {
    return keys.contains(idempotencyKey);
  }

  boolean apply(
      UsageHandle h, long input, long output, long cacheRead, long cacheWrite5m, long cacheWrite1h,
      UsageEvent event) {
    try {
      if ((input | output | cacheRead | cacheWrite5m | cacheWrite1h) < 0) {
        rejected.increment();
        return false;
      }
      if (h.run.evicted) {
        // A handle kept past its run's eviction: count into the run as it is now, not the old one.
        h = handle(h.run.run, h.run.sessionId(), h.subagent, h.model);
      }
      RunState rs = h.run;
      ModelPrice price = h.price(pricing.book());
      boolean longContext =
          price != null && price.isLongContext(input + cacheRead + cacheWrite5m + cacheWrite1h);
      h.series.add(longContext, input, output, cacheRead, cacheWrite5m, cacheWrite1h);
      rs.ledger.touch(coarse ? coarseMillis : clock.millis());
      long pico = charge(h, price, longContext, input, output, cacheRead, cacheWrite5m, cacheWrite1h);
      if (!listeners.isEmpty()) {
        notifyUsage(h, input, output, cacheRead, cacheWrite5m, cacheWrite1h, event, pico);
      }
      return true;
    } catch (RuntimeException | Error failure) {
      recordFailed(failure);
      return false;
    }
  }

  private void notifyUsage(
      UsageHandle h, long input, long output, long cacheRead, long cacheWrite5m, long cacheWrite1h,
      UsageEvent event, long pico) {
    UsageEvent e =
        event != null
            ? event
            : UsageEvent.builder()
                .run(h.run.run)
                .session(h.run.sessionId())
                .subagent(h.subagent)
                .model(h.model)
                .inputTokens(input)
                .outputTokens(output)
                .cacheReadTokens(cacheRead)
                .cacheWrite5mTokens(cacheWrite5m)
                .cacheWrite1hTokens(cacheWrite1h)
                .timestamp(clock.instant())
                .build();
    BigDecimal cost = pico < 0 ? null : Prices.picoToUsd(pico);
    for (MeterListener l : listeners) {
      try {
        l.onUsage(e, cost);
      } catch (RuntimeException ex) {
        listenerFailed(ex);
      }
    }
  }

  private void recordFailed(Throwable t) {
    recordErrors.increment();
    log.warn("recording usage failed; the event was not counted", t);
    if (t instanceof VirtualMachineError) {
      throw (VirtualMachineError) t;
    }
  }

  private void listenerFailed(RuntimeException e) {
    listenerErrors.increment();
    log.warn("a tokenmeter listener failed", e);
  }

  /** Marks a run ended: its series are removed after the retention time. */
  public void endRun(String run) {
    RunState rs = runs.get(run);
    if (rs != null) {
      rs.ledger.end(clock.millis());
    }
  }

  // ---------------------------------------------------------------- gate

  /** The gate of a run, created (open) if the run is new. */
  public RunGate gate(String run) {
    return runState(run).gate;
  }

  /** Returns while the run is open; throws {@link dev.tokenmeter.budget.RunPausedException} while paused. */
  public void checkpoint(String run) {
    runState(run).gate.checkpoint();
  }

  /** Blocks until the run is open or the timeout passes; true when open. */
  public boolean awaitOpen(String run, Duration timeout) throws InterruptedException {
    return runState(run).gate.await(timeout);
  }

  /** Completes when the run is open: at once if it is open now. */
  public CompletionStage<Void> whenOpen(String run) {
    return runState(run).gate.whenOpen();
  }

  // ---------------------------------------------------------------- budgets

  /**
   * Reserves the estimated cost of a call against the run's, the subagent's and the session's
   * budgets, or throws {@link BudgetExceededException} when it does not fit in one of them.
   */
  public Reservation reserve(String run, String subagent, BigDecimal estimateUsd) {
    if (estimateUsd.signum() < 0) {
      throw new IllegalArgumentException("estimate must not be negative, got " + estimateUsd.toPlainString());
    }
    String sa = subagent == null || subagent.isEmpty() ? UsageEvent.DEFAULT_SUBAGENT : subagent;
    RunState rs = runState(run);
    long pico = Prices.usdToPico(estimateUsd);
    if (!rs.account.tryReserve(pico)) {
      throw exceeded("run " + run, rs.account, pico);
    }
    BudgetAccount sub = rs.subagentAccount(sa);
    if (!sub.tryReserve(pico)) {
      rs.account.release(pico);
      throw exceeded("subagent " + sa + " of run " + run, sub, pico);
    }
    SessionState s = rs.session;
    if (s != null && !s.account.tryReserve(pico)) {
      rs.account.release(pico);
      sub.release(pico);
      throw exceeded("session " + s.id, s.account, pico);
    }
    return new Reservation(this, rs, sa, pico, s != null);
  }

  private static BudgetExceededException exceeded(String what, BudgetAccount a, long pico) {
    return new BudgetExceededException(
        "reserving $" + Prices.picoToUsd(pico).toPlainString() + " would exceed the budget of " + what
            + ": $" + a.committedUsd().toPlainString() + " spent and $"
            + Prices.picoToUsd(a.reservedPico()).toPlainString() + " reserved of $"
            + a.budgetUsd().toPlainString());
  }

  void releaseReservation(RunState rs, String subagent, long pico, boolean session) {
    rs.account.release(pico);
    rs.subagentAccount(subagent).release(pico);
    SessionState s = rs.session;
    if (session && s != null) {
      s.account.release(pico);
    }
  }

  /** Sets (or with null, clears to the default) a run's budget. Does not resume a paused run. */
  public void setRunBudget(String run, BigDecimal usd, String by) {
    requireBudget(usd);
    RunState rs = runState(run);
    synchronized (rs) {
      rs.explicitBudgetUsd = usd;
      rs.overridden = false;
      BigDecimal effective = usd != null ? usd : defaultRunBudgetUsd;
      List<Threshold> firing = rs.account.setBudget(effective == null ? BudgetAccount.NONE : Prices.usdToPico(effective));
      rs.addHistory(new HistoryEntry(clock.instant(), HistoryEntry.Action.BUDGET, "manual", by, null, rs.account.committedUsd(), effective));
      persist(rs);
      fireSetBudget(rs, BudgetScope.RUN, run, rs.account, firing);
    }
  }

  /** Sets (or with null, removes) a subagent's budget within a run. */
  public void setSubagentBudget(String run, String subagent, BigDecimal usd, String by) {
    requireBudget(usd);
    RunState rs = runState(run);
    BudgetAccount a = rs.subagentAccount(subagent);
    synchronized (rs) {
      if (usd == null) {
        rs.subagentBudgetsUsd.remove(subagent);
      } else {
        rs.subagentBudgetsUsd.put(subagent, usd);
      }
      List<Threshold> firing = a.setBudget(usd == null ? BudgetAccount.NONE : Prices.usdToPico(usd));
      rs.addHistory(new HistoryEntry(clock.instant(), HistoryEntry.Action.BUDGET, "manual", by, "subagent " + subagent, a.committedUsd(), usd));
      persist(rs);
      fireSetBudget(rs, BudgetScope.SUBAGENT, subagent, a, firing);
    }
  }

  /** Sets (or with null, removes) a session's budget, over all its runs. */
  public void setSessionBudget(String session, BigDecimal usd, String by) {
    requireBudget(usd);
    SessionState s = sessionState(session);
    List<Threshold> firing;
    synchronized (s) {
      if (usd == null) {
        sessionBudgets.remove(session);
      } else {
        sessionBudgets.put(session, usd);
      }
      firing = s.account.setBudget(usd == null ? BudgetAccount.NONE : Prices.usdToPico(usd));
      saveSession(session, usd);
    }
    if (!firing.isEmpty()) {
      for (String run : s.runs) {
        RunState rs = runs.get(run);
        if (rs != null) {
          fireSetBudget(rs, BudgetScope.SESSION, session, s.account, firing);
          break; // a session pause reaches every run of the session
        }
      }
    }
  }

  private static void requireBudget(BigDecimal usd) {
    if (usd != null && usd.signum() < 0) {
      throw new IllegalArgumentException("budget must not be negative, got " + usd.toPlainString());
    }
  }

  private void fireSetBudget(RunState rs, BudgetScope scope, String key, BudgetAccount a, List<Threshold> firing) {
    for (Threshold t : firing) {
      fireThreshold(rs, scope, key, a, t);
    }
  }

  /** The slow path of recording: a threshold was reached. */
  private void crossed(RunState rs, BudgetScope scope, String key, BudgetAccount a) {
    for (Threshold t : a.crossed()) {
      fireThreshold(rs, scope, key, a, t);
    }
  }

  private void fireThreshold(RunState rs, BudgetScope scope, String key, BudgetAccount a, Threshold t) {
    BigDecimal cost = a.committedUsd();
    BigDecimal budget = a.budgetUsd();
    ThresholdCrossing c =
        new ThresholdCrossing(rs.run, rs.sessionId(), scope, key, t, cost, budget, clock.instant());
    log.info("{} {} reached {}% of its budget: ${} of ${} ({})", scope.label(), key,
        t.fraction().movePointRight(2).stripTrailingZeros().toPlainString(), cost.toPlainString(),
        budget == null ? "-" : budget.toPlainString(), t.action().label());
    for (MeterListener l : listeners) {
      try {
        l.onThreshold(c);
      } catch (RuntimeException ex) {
        listenerFailed(ex);
      }
    }
    if (t.action() == ThresholdAction.PAUSE) {
      String reason =
          scope.label() + " " + key + " reached its budget: $" + cost.toPlainString() + " of $"
              + (budget == null ? "-" : budget.toPlainString());
      Breakpoint bp =
          new Breakpoint(reason, PauseSource.BUDGET, scope, key, cost, budget, clock.instant(), "tokenmeter");
      if (scope == BudgetScope.SESSION) {
        SessionState s = rs.session;
        if (s != null) {
          pauseMembers(s, bp);
        }
      } else {
        applyPause(rs, bp);
      }
    }
  }

  // ---------------------------------------------------------------- pause and resume

  /**
   * Pauses a run at its next checkpoint. A run not seen yet is created paused, so that it starts
   * paused if its usage shows up later. Returns false when the run was paused already.
   */
  public boolean pause(String run, PauseSource source, String reason, String by) {
    RunState rs = runState(run);
    Breakpoint bp =
        new Breakpoint(
            reason == null || reason.isBlank() ? source.label() + " pause" : reason,
            source, BudgetScope.RUN, run, reader.cost(rs), rs.account.budgetUsd(), clock.instant(), by);
    return applyPause(rs, bp);
  }

  /**
   * Pauses every run of a session that this instance holds, and every run that joins the session
   * later until it is resumed; returns how many runs it paused now. A session not seen yet is
   * remembered for the retention time, like a run.
   */
  public int pauseSession(String session, PauseSource source, String reason, String by) {
    SessionState s = sessionState(session);
    Breakpoint bp =
        new Breakpoint(
            reason == null || reason.isBlank() ? source.label() + " pause" : reason,
            source, BudgetScope.SESSION, session, s.account.committedUsd(), s.account.budgetUsd(), clock.instant(), by);
    return pauseMembers(s, bp);
  }

  private int pauseMembers(SessionState s, Breakpoint bp) {
    // Set before walking the runs: a run joining meanwhile either is walked or sees it (joinSession).
    s.breakpoint = bp;
    int n = 0;
    for (String run : s.runs) {
      RunState member = runs.get(run);
      if (member != null && applyPause(member, bp)) {
        n++;
      }
    }
    return n;
  }

  /** Pauses every run this instance holds; returns how many it paused. */
  public int pauseAll(PauseSource source, String reason, String by) {
    int n = 0;
    for (String run : new ArrayList<>(runs.keySet())) {
      if (pause(run, source, reason, by)) {
        n++;
      }
    }
    return n;
  }

  private boolean applyPause(RunState rs, Breakpoint bp) {
    synchronized (rs) {
      if (!rs.gate.pause(bp)) {
        return false;
      }
      rs.addHistory(new HistoryEntry(bp.since(), HistoryEntry.Action.PAUSE, bp.source().label(), bp.by(), bp.reason(), bp.costUsd(), bp.budgetUsd()));
      persist(rs);
    }
    log.warn("run {} paused ({}): {}", rs.run, bp.source().label(), bp.reason());
    for (MeterListener l : listeners) {
      try {
        l.onPause(rs.run, rs.sessionId(), bp);
      } catch (RuntimeException ex) {
        listenerFailed(ex);
      }
    }
    return true;
  }

  /**
   * Resumes a paused run by raising or setting the budget of the scope that paused it, or by an
   * override.
   *
   * @throws ResumeRefusedException when the run would still be at or over a budget without an
   *     override; the message says what to do
   * @throws IllegalStateException when the run is not paused
   */
  public void resume(String run, ResumeRequest req) {
    RunState rs = runs.get(run);
    if (rs == null || !rs.gate.isPaused()) {
      throw new IllegalStateException("run " + run + " is not paused");
    }
    Breakpoint bp = rs.gate.breakpoint();
    BudgetScope scope = bp.scope();
    BudgetAccount target =
        scope == BudgetScope.SESSION && rs.session != null ? rs.session.account
            : scope == BudgetScope.SUBAGENT ? rs.subagentAccount(bp.scopeKey())
            : rs.account;
    BigDecimal newBudget = req.budgetUsd();
    if (req.raiseUsd() != null) {
      BigDecimal current = target.budgetUsd();
      newBudget = (current == null ? target.committedUsd() : current).add(req.raiseUsd());
    }
    if (!req.override()) {
      BigDecimal budget = newBudget != null ? newBudget : target.budgetUsd();
      BigDecimal cost = target.committedUsd();
      if (budget != null && cost.compareTo(budget) >= 0) {
        throw new ResumeRefusedException(
            "run " + run + " stays paused: " + scope.label() + " " + bp.scopeKey() + " has cost $"
                + cost.toPlainString() + ", at or above " + (newBudget != null ? "the new" : "its") + " budget $"
                + budget.toPlainString() + ". Raise the budget above $" + cost.toPlainString()
                + " (raiseUsd or budgetUsd), or resume with override.");
      }
      if (scope != BudgetScope.RUN && rs.account.isOverBudget()) {
        throw new ResumeRefusedException(
            "run " + run + " stays paused: its own cost $" + rs.account.committedUsd().toPlainString()
                + " is at or above its budget $" + rs.account.budgetUsd().toPlainString()
                + ". Raise the run budget, or resume with override.");
      }
    }
    if (newBudget != null) {
      switch (scope) {
        case SESSION:
          setSessionBudget(bp.scopeKey(), newBudget, req.by());
          break;
        case SUBAGENT:
          setSubagentBudget(run, bp.scopeKey(), newBudget, req.by());
          break;
        default:
          setRunBudget(run, newBudget, req.by());
      }
    }
    List<RunState> resumed = new ArrayList<>();
    resumed.add(rs);
    if (scope == BudgetScope.SESSION && rs.session != null && !req.override()) {
      // The session's budget now fits: every run it paused goes on, and runs joining it start open.
      rs.session.breakpoint = null;
      for (String other : rs.session.runs) {
        RunState o = runs.get(other);
        Breakpoint obp = o == null ? null : o.gate.breakpoint();
        if (o != rs && obp != null && obp.scope() == BudgetScope.SESSION) {
          resumed.add(o);
        }
      }
    }
    for (RunState r : resumed) {
      openGate(r, req);
    }
  }

  private void openGate(RunState rs, ResumeRequest req) {
    HistoryEntry entry;
    synchronized (rs) {
      Breakpoint cleared = rs.gate.open();
      if (cleared == null) {
        return;
      }
      if (req.override()) {
        rs.overridden = true;
      }
      entry =
          new HistoryEntry(
              clock.instant(), HistoryEntry.Action.RESUME,
              req.override() ? "override" : req.raiseUsd() != null ? "raise" : req.budgetUsd() != null ? "budget" : "manual",
              req.by(), req.reason(), reader.cost(rs), rs.account.budgetUsd());
      rs.addHistory(entry);
      persist(rs);
    }
    log.info("run {} resumed by {} ({})", rs.run, entry.by() == null ? "-" : entry.by(), entry.source());
    for (MeterListener l : listeners) {
      try {
        l.onResume(rs.run, rs.sessionId(), entry);
      } catch (RuntimeException ex) {
        listenerFailed(ex);
      }
    }
  }

  // ---------------------------------------------------------------- run and session state

  private RunState runState(String run) {
    RunState rs = runs.get(run);
    return rs != null ? rs : runs.computeIfAbsent(run, this::newRun);
  }

  private RunState newRun(String run) {
    boolean overflow = exportedRuns.incrementAndGet() > maxExportedRuns;
    if (overflow) {
      exportedRuns.decrementAndGet();
      overflowed.increment();
    }
    RunState rs = new RunState(run, clock.millis(), thresholds, overflow);
    if (defaultRunBudgetUsd != null) {
      rs.account.setBudget(Prices.usdToPico(defaultRunBudgetUsd));
    }
    return rs;
  }

  private SessionState sessionState(String session) {
    SessionState s = sessions.get(session);
    if (s != null) {
      return s;
    }
    return sessions.computeIfAbsent(
        session,
        id -> {
          SessionState n = new SessionState(id, thresholds);
          BigDecimal b = sessionBudgets.get(id);
          if (b != null) {
            n.account.setBudget(Prices.usdToPico(b));
          }
          return n;
        });
  }

  private void joinSession(RunState rs, String session) {
    SessionState s;
    synchronized (rs) {
      if (rs.session != null) {
        return;
      }
      while (true) {
        s = sessionState(session);
        s.runs.add(rs.run);
        if (sessions.get(session) == s) {
          break;
        }
        s.runs.remove(rs.run); // swept away meanwhile: join the one that replaced it
      }
      rs.ledger.joinSession(session);
      rs.session = s;
      persist(rs);
    }
    // Usage the run had before it named its session counts toward the session too.
    long before = rs.account.committedPico();
    if (before > 0 && s.account.commit(before)) {
      crossed(rs, BudgetScope.SESSION, s.id, s.account);
    }
    Breakpoint paused = s.breakpoint;
    if (paused != null) {
      applyPause(rs, paused);
    }
  }

  private void persist(RunState rs) {
    try {
      store.saveRun(control(rs));
      unsavedRuns.remove(rs.run);
      persisted();
    } catch (RuntimeException e) {
      unsavedRuns.add(rs.run);
      storeFailed(e);
    }
  }

  private void saveSession(String session, BigDecimal usd) {
    try {
      store.saveSessionBudget(session, usd);
      unsavedSessions.remove(session);
      persisted();
    } catch (RuntimeException e) {
      unsavedSessions.add(session);
      storeFailed(e);
    }
  }

  /** Writes again what could not be written; stops at the first failure (the store is still down). */
  private void retryUnsaved() {
    for (String run : unsavedRuns) {
      RunState rs = runs.get(run);
      if (rs == null) {
        unsavedRuns.remove(run);
        continue;
      }
      synchronized (rs) {
        persist(rs);
      }
      if (unsavedRuns.contains(run)) {
        return;
      }
    }
    for (String session : unsavedSessions) {
      SessionState s = sessionState(session);
      synchronized (s) {
        saveSession(session, sessionBudgets.get(session));
      }
      if (unsavedSessions.contains(session)) {
        return;
      }
    }
  }

  private void persisted() {
    // Healthy again only when nothing waits to be written.
    stateWritable = unsavedRuns.isEmpty() && unsavedSessions.isEmpty();
  }

  private void storeFailed(RuntimeException e) {
    stateWritable = false;
    stateWriteErrors.increment();
    log.error("could not write the state directory; pauses still hold in this process: {}", e.getMessage());
  }

  private RunControl control(RunState rs) {
    return new RunControl(
        rs.run, rs.sessionId(), rs.explicitBudgetUsd, new HashMap<>(rs.subagentBudgetsUsd),
        rs.gate.breakpoint(), rs.overridden, rs.history());
  }

  /** Loads budgets and breakpoints from the store: a paused run is still paused after a restart. */
  private void restore() {
    sessionBudgets.putAll(store.loadSessionBudgets());
    for (RunControl rc : store.loadRuns().values()) {
      RunState rs = runState(rc.run());
      if (rc.session() != null) {
        SessionState s = sessionState(rc.session());
        rs.ledger.joinSession(rc.session());
        s.runs.add(rs.run);
        rs.session = s;
      }
      rs.explicitBudgetUsd = rc.budgetUsd();
      if (rc.budgetUsd() != null) {
        rs.account.setBudget(Prices.usdToPico(rc.budgetUsd()));
      }
      rc.subagentBudgetsUsd().forEach((sa, usd) -> {
        rs.subagentBudgetsUsd.put(sa, usd);
        rs.subagentAccount(sa).setBudget(Prices.usdToPico(usd));
      });
      rs.overridden = rc.overridden();
      rs.restoreHistory(rc.history());
      Breakpoint bp = rc.breakpoint();
      if (bp != null) {
        rs.gate.pause(bp);
        if (bp.scope() == BudgetScope.SESSION && rs.session != null && rs.session.breakpoint == null) {
          rs.session.breakpoint = bp; // the session is still paused: its new runs start paused
        }
      }
    }
  }

  /** After a price change, budgets count every run's usage at the new prices. */
  private void reprice(PriceBook book) {
    Map<String, Long> sessionPico = new HashMap<>();
    for (RunState rs : runs.values()) {
      long runPico = 0;
      Map<String, Long> bySub = new HashMap<>();
      for (Series s : rs.ledger.series()) {
        ModelPrice p = book.find(s.model());
        if (p == null) {
          continue;
        }
        long c = p.prices(false).costPico(s.tokens(false)) + p.prices(true).costPico(s.tokens(true));
        runPico += c;
        bySub.merge(s.subagent(), c, Long::sum);
      }
      if (rs.account.reprice(runPico)) {
        crossed(rs, BudgetScope.RUN, rs.run, rs.account);
      }
      for (Map.Entry<String, Long> e : bySub.entrySet()) {
        BudgetAccount a = rs.subagentAccount(e.getKey());
        if (a.reprice(e.getValue())) {
          crossed(rs, BudgetScope.SUBAGENT, e.getKey(), a);
        }
      }
      String sid = rs.sessionId();
      if (sid != null) {
        sessionPico.merge(sid, runPico, Long::sum);
      }
    }
    for (Map.Entry<String, Long> e : sessionPico.entrySet()) {
      SessionState s = sessions.get(e.getKey());
      if (s != null && s.account.reprice(e.getValue())) {
        for (String run : s.runs) {
          RunState rs = runs.get(run);
          if (rs != null) {
            crossed(rs, BudgetScope.SESSION, s.id, s.account);
            break;
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Removes runs past their retention: ended runs {@code retention} after they ended, idle runs
   * {@code retention} after {@code idleTimeout} without usage. Paused runs that have usage stay
   * until resumed; a pause for a run never seen is remembered for the retention time only.
   */
  public void sweep() {
    retryUnsaved();
    long now = clock.millis();
    for (RunState rs : runs.values()) {
      long inactiveSince =
          rs.ledger.isEnded() ? rs.ledger.endedMillis() : rs.ledger.lastUsageMillis() + idleMillis;
      boolean hasUsage = !rs.ledger.series().isEmpty();
      if (rs.gate.isPaused() && hasUsage) {
        continue;
      }
      if (!rs.gate.isPaused() && !hasUsage && rs.explicitBudgetUsd == null && rs.subagentBudgetsUsd.isEmpty()) {
        // A run asked about (gate, status) but never used: forget it after the retention alone.
        inactiveSince = rs.ledger.createdMillis();
      }
      if (now - inactiveSince > retentionMillis) {
        evict(rs);
      }
    }
    evictOverCap();
    // A session outlives its runs by the retention time (its pause is remembered that long),
    // unless it has a budget: its spend over evicted runs still counts toward that.
    for (SessionState s : sessions.values()) {
      if (!s.runs.isEmpty() || sessionBudgets.containsKey(s.id)) {
        s.emptySinceMillis = 0;
      } else if (s.emptySinceMillis == 0) {
        s.emptySinceMillis = now;
      } else if (now - s.emptySinceMillis > retentionMillis) {
        sessions.remove(s.id, s);
      }
    }
  }

  /**
   * Past {@code maxTrackedRuns}, forgets the runs with the oldest activity first, paused runs
   * excepted: memory stays bounded under a flood of new runs, and the runs still spending keep
   * their budgets. A run forgotten this way starts again from zero if it comes back.
   */
  private void evictOverCap() {
    int excess = runs.size() - maxTrackedRuns;
    if (excess <= 0) {
      return;
    }
    List<RunState> candidates = new ArrayList<>();
    for (RunState rs : runs.values()) {
      if (!rs.gate.isPaused()) {
        candidates.add(rs);
      }
    }
    candidates.sort(Comparator.comparingLong(RunState::lastActivityMillis));
    int n = 0;
    for (int i = 0; i < candidates.size() && n < excess; i++) {
      if (evict(candidates.get(i))) {
        n++;
      }
    }
    log.warn("{} runs tracked, over the cap of {}: forgot the {} least recently active (paused runs are kept)",
        maxTrackedRuns + excess, maxTrackedRuns, n);
  }

  private boolean evict(RunState rs) {
    if (!runs.remove(rs.run, rs)) {
      return false;
    }
    rs.evicted = true;
    if (!rs.overflow) {
      exportedRuns.decrementAndGet();
    }
    SessionState s = rs.session;
    if (s != null) {
      s.runs.remove(rs.run);
    }
    evicted.increment();
    try {
      store.deleteRun(rs.run);
    } catch (RuntimeException e) {
      storeFailed(e);
    }
    return true;
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (RuntimeException e) {
      log.warn("sweeping runs failed", e);
    }
  }

  // ---------------------------------------------------------------- reading

  public Pricing pricing() {
    return pricing;
  }

  Ledger ledger() {
    return ledger;
  }

  public void addListener(MeterListener listener) {
    listeners.add(listener);
  }

  public void removeListener(MeterListener listener) {
    listeners.remove(listener);
  }

  /** The configured default run budget, or null. */
  public BigDecimal defaultRunBudgetUsd() {
    return defaultRunBudgetUsd;
  }

  public SelfStats stats() {
    return new SelfStats(
        evicted.sum(), overflowed.sum(), rejected.sum(), duplicates.sum(), recordErrors.sum(),
        listenerErrors.sum(), stateWriteErrors.sum(), runs.size(), maxTrackedRuns, ingestErrors.sum(),
        webhookAccepted.sum(), webhookRejected.sum(), pricebookReloads.getAsLong(),
        pricebookReloadErrors.getAsLong(), ledger.foldedSeries() + runFolds.sum());
  }

  /** Counts an event rejected before it reached the meter (by an ingest source or the API). */
  public void countRejected() {
    rejected.increment();
  }

  /** Counts a bad line or file met by an ingest source. */
  public void countIngestError() {
    ingestErrors.increment();
  }

  /** Counts an Alertmanager webhook call, accepted or rejected. */
  public void countWebhook(boolean accepted) {
    (accepted ? webhookAccepted : webhookRejected).increment();
  }

  /** Where the self-metrics read the price file's reload counts (a price file watcher's). */
  public void reportPriceReloads(LongSupplier reloads, LongSupplier errors) {
    this.pricebookReloads = reloads;
    this.pricebookReloadErrors = errors;
  }

  /** True while the state directory takes writes; pauses hold in memory either way. */
  public boolean stateWritable() {
    return stateWritable;
  }

  /** The status of a run, or empty when this instance does not hold it. */
  public Optional<RunStatus> status(String run) {
    RunState rs = runs.get(run);
    return rs == null ? Optional.empty() : Optional.of(reader.status(rs));
  }

  /** The status of every run held, most recently used first. */
  public List<RunStatus> runs() {
    return reader.statuses(runs.values());
  }

  /** Reads the ledger for the exporters, priced with the current book. */
  public MeterSnapshot snapshot() {
    return reader.snapshot(runs.values(), sessions.values(), stats());
  }

  @Override
  public void close() {
    if (sweeper != null) {
      sweeper.shutdownNow();
    }
  }

  /** Configuration of a {@link TokenMeter}. */
  public static final class Builder {
    private Pricing pricing;
    private PriceBook priceBook;
    private ControlStore store;
    private Path stateDir;
    private Clock clock = Clock.systemUTC();
    private List<Threshold> thresholds = Threshold.DEFAULTS;
    private BigDecimal defaultRunBudgetUsd;
    private Duration retention = Duration.ofMinutes(15);
    private Duration idleTimeout = Duration.ofMinutes(30);
    private Duration sweepInterval = Duration.ofSeconds(10);
    private int maxExportedRuns = 1000;
    private int maxTrackedRuns = 50_000;
    private int idempotencyWindow = IdempotencyKeys.DEFAULT_CAPACITY;
    private final List<MeterListener> listeners = new ArrayList<>();

    private Builder() {}

    /** The pricing view to share (for hot reload); default: a view of {@link #priceBook}. */
    public Builder pricing(Pricing pricing) {
      this.pricing = pricing;
      return this;
    }

    public Builder priceBook(PriceBook book) {
      this.priceBook = book;
      return this;
    }

    /** Keeps budgets and breakpoints in this directory, so they survive a restart. */
    public Builder stateDir(Path dir) {
      this.stateDir = dir;
      return this;
    }

    public Builder controlStore(ControlStore store) {
      this.store = store;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Thresholds of every budget; default 0.5 notify, 0.8 notify, 1.0 pause. */
    public Builder thresholds(List<Threshold> thresholds) {
      if (thresholds.isEmpty()) {
        throw new IllegalArgumentException("at least one threshold is required");
      }
      this.thresholds = thresholds;
      return this;
    }

    /** The budget of every run that has none set; default none. */
    public Builder defaultRunBudget(BigDecimal usd) {
      requireBudget(usd);
      this.defaultRunBudgetUsd = usd;
      return this;
    }

    /** How long a run's series stay after it ends or goes idle; default 15 minutes. */
    public Builder retention(Duration d) {
      this.retention = requirePositive(d, "retention");
      return this;
    }

    /** How long without usage makes a run idle; default 30 minutes. */
    public Builder idleTimeout(Duration d) {
      this.idleTimeout = requirePositive(d, "idleTimeout");
      return this;
    }

    /** How often expired runs are removed; zero turns the background sweep off. Default 10 s. */
    public Builder sweepInterval(Duration d) {
      this.sweepInterval = d;
      return this;
    }

    /** At most this many runs are exported by name; more fold into {@code run="_overflow"}. */
    public Builder maxExportedRuns(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxExportedRuns must be at least 1, got " + n);
      }
      this.maxExportedRuns = n;
      return this;
    }

    /**
     * How many runs to hold in memory (about 3 KB each) before the sweep forgets the least recently
     * active ones, paused runs excepted; default 50,000. A bound for floods of new runs: past it, a
     * run idle the longest loses its ledger and budget state before its retention time.
     */
    public Builder maxTrackedRuns(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxTrackedRuns must be at least 1, got " + n);
      }
      this.maxTrackedRuns = n;
      return this;
    }

    /** How many recent idempotency keys are remembered; default 100,000. */
    public Builder idempotencyWindow(int n) {
      this.idempotencyWindow = n;
      return this;
    }

    public Builder listener(MeterListener l) {
      listeners.add(l);
      return this;
    }

    private static Duration requirePositive(Duration d, String name) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
      return d;
    }

    public TokenMeter build() {
      return new TokenMeter(this);
    }
  }
}
