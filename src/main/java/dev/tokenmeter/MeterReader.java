package dev.tokenmeter;

import dev.tokenmeter.budget.Breakpoint;
import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.Prices;
import dev.tokenmeter.pricing.Pricing;
import dev.tokenmeter.usage.Ledger;
import dev.tokenmeter.usage.Series;
import dev.tokenmeter.usage.TokenCounts;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The read side of the meter: run statuses and the exporters' snapshot, computed from the ledger
 * at read time and priced with the book of that moment. Keeps nothing between reads.
 */
final class MeterReader {

  private final Pricing pricing;
  private final Ledger ledger;

  MeterReader(Pricing pricing, Ledger ledger) {
    this.pricing = pricing;
    this.ledger = ledger;
  }

  RunStatus status(RunState rs) {
    return status(rs, pricing.book());
  }

  /** Most recently used first. */
  List<RunStatus> statuses(Collection<RunState> runs) {
    PriceBook book = pricing.book();
    List<RunStatus> out = new ArrayList<>();
    for (RunState rs : runs) {
      out.add(status(rs, book));
    }
    out.sort(Comparator.comparing(RunStatus::lastUsageAt).reversed());
    return out;
  }

  /** The run's cost at the current prices; unpriced models add nothing. */
  BigDecimal cost(RunState rs) {
    BigDecimal total = BigDecimal.ZERO;
    PriceBook book = pricing.book();
    for (Series s : rs.ledger.series()) {
      ModelPrice p = book.find(s.model());
      if (p != null) {
        total = total.add(p.cost(s.tokens(false), s.tokens(true)));
      }
    }
    return total.stripTrailingZeros();
  }

  private RunStatus status(RunState rs, PriceBook book) {
    BigDecimal cost = BigDecimal.ZERO;
    TokenCounts tokens = TokenCounts.ZERO;
    long requests = 0;
    List<String> unpriced = new ArrayList<>();
    Map<String, Acc> bySub = new TreeMap<>();
    Map<String, Acc> byModel = new TreeMap<>();
    List<RunStatus.SeriesStatus> series = new ArrayList<>();
    for (Series s : rs.ledger.series()) {
      TokenCounts base = s.tokens(false);
      TokenCounts lc = s.tokens(true);
      TokenCounts t = base.plus(lc);
      long n = s.requests();
      ModelPrice p = book.find(s.model());
      BigDecimal c = p == null ? null : p.cost(base, lc);
      if (c == null) {
        if (!unpriced.contains(s.model())) {
          unpriced.add(s.model());
        }
      } else {
        cost = cost.add(c);
      }
      tokens = tokens.plus(t);
      requests += n;
      bySub.computeIfAbsent(s.subagent(), k -> new Acc()).add(t, n, c);
      byModel.computeIfAbsent(s.model(), k -> new Acc()).add(t, n, c);
      series.add(new RunStatus.SeriesStatus(s.subagent(), s.model(), t, n, c));
    }
    series.sort(Comparator.comparing(RunStatus.SeriesStatus::subagent).thenComparing(RunStatus.SeriesStatus::model));
    Breakpoint bp = rs.gate.breakpoint();
    String state = bp != null ? "paused" : rs.ledger.isEnded() ? "ended" : "active";
    long ended = rs.ledger.endedMillis();
    return new RunStatus(
        rs.run, rs.sessionId(), state, cost.stripTrailingZeros(), List.copyOf(unpriced),
        rs.account.budgetUsd(), Prices.picoToUsd(rs.account.reservedPico()),
        Map.copyOf(rs.subagentBudgetsUsd), tokens, requests, Acc.freeze(bySub), Acc.freeze(byModel),
        List.copyOf(series), bp, rs.overridden, rs.history(),
        Instant.ofEpochMilli(rs.ledger.createdMillis()), Instant.ofEpochMilli(rs.ledger.lastUsageMillis()),
        ended == 0 ? null : Instant.ofEpochMilli(ended));
  }

  /** The key of the fold of {@code _overflow}'s own series past its cap; sorts after any other. */
  private static final String FOLDED = "\uffff";
  private final java.util.concurrent.ConcurrentHashMap<String, Boolean> overflowNames =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Whether an {@code _overflow} (subagent, model) pair keeps its names: the first
   * {@link TokenMeter#MAX_OVERFLOW_SERIES} pairs seen do, for the life of the meter, so that a
   * series never moves between its own name and the fold from one scrape to the next.
   */
  private boolean overflowNamed(String key) {
    if (overflowNames.containsKey(key)) {
      return true;
    }
    if (overflowNames.size() >= TokenMeter.MAX_OVERFLOW_SERIES) {
      return false;
    }
    overflowNames.putIfAbsent(key, Boolean.TRUE);
    return true;
  }

  MeterSnapshot snapshot(Collection<RunState> runs, Collection<SessionState> sessions, SelfStats self) {
    PriceBook book = pricing.book();
    List<MeterSnapshot.SeriesSample> series = new ArrayList<>();
    List<MeterSnapshot.RunSample> runSamples = new ArrayList<>();
    Map<String, OverflowAcc> overflow = new TreeMap<>();
    for (RunState rs : runs) {
      String session = rs.sessionId() == null ? "" : rs.sessionId();
      Breakpoint bp = rs.gate.breakpoint();
      for (Series s : rs.ledger.series()) {
        TokenCounts base = s.tokens(false);
        TokenCounts lc = s.tokens(true);
        ModelPrice p = book.find(s.model());
        BigDecimal c = p == null ? null : p.cost(base, lc);
        if (rs.overflow) {
          String key = s.subagent() + '\u0000' + s.model();
          OverflowAcc acc;
          if (overflowNamed(key)) {
            acc = overflow.computeIfAbsent(key, k -> new OverflowAcc(s.subagent(), s.model()));
          } else {
            // Runs past the cap may carry any names: their labels fold too, so that the
            // exposition stays bounded; tokens, requests and cost stay exact.
            acc = overflow.computeIfAbsent(FOLDED, k -> new OverflowAcc(Ledger.OVERFLOW, Ledger.OVERFLOW));
          }
          acc.add(base.plus(lc), s.requests(), c);
        } else {
          series.add(new MeterSnapshot.SeriesSample(rs.run, session, s.subagent(), s.model(), base.plus(lc), s.requests(), c));
        }
      }
      if (!rs.overflow) {
        runSamples.add(new MeterSnapshot.RunSample(rs.run, session, rs.account.budgetUsd(), bp == null ? null : bp.source().label()));
      }
    }
    for (OverflowAcc o : overflow.values()) {
      series.add(new MeterSnapshot.SeriesSample(TokenMeter.OVERFLOW_RUN, "", o.subagent, o.model, o.tokens, o.requests, o.cost));
    }
    List<MeterSnapshot.SessionSample> sessionSamples = new ArrayList<>();
    for (SessionState s : sessions) {
      BigDecimal b = s.account.budgetUsd();
      if (b != null) {
        sessionSamples.add(new MeterSnapshot.SessionSample(s.id, b));
      }
    }
    List<MeterSnapshot.SpendSample> spend = new ArrayList<>();
    for (Ledger.Spend s : ledger.spend()) {
      if (s.pico() == 0) {
        continue; // an unpriced model's handle has a spend counter that must not claim $0
      }
      spend.add(new MeterSnapshot.SpendSample(s.model(), s.subagent(), Prices.picoToUsd(s.pico())));
    }
    List<MeterSnapshot.UnpricedSample> unpriced = new ArrayList<>();
    for (Ledger.Unpriced u : ledger.unpriced()) {
      unpriced.add(new MeterSnapshot.UnpricedSample(u.model(), u.tokens()));
    }
    return new MeterSnapshot(series, runSamples, sessionSamples, spend, unpriced, self);
  }

  private static final class Acc {
    TokenCounts tokens = TokenCounts.ZERO;
    long requests;
    BigDecimal cost;

    void add(TokenCounts t, long n, BigDecimal c) {
      tokens = tokens.plus(t);
      requests += n;
      if (c != null) {
        cost = cost == null ? c : cost.add(c);
      }
    }

    static Map<String, RunStatus.Breakdown> freeze(Map<String, Acc> m) {
      Map<String, RunStatus.Breakdown> out = new LinkedHashMap<>();
      m.forEach((k, a) -> out.put(k, new RunStatus.Breakdown(a.tokens, a.requests, a.cost == null ? null : a.cost.stripTrailingZeros())));
      return java.util.Collections.unmodifiableMap(out);
    }
  }

  private static final class OverflowAcc {
    final String subagent;
    final String model;
    TokenCounts tokens = TokenCounts.ZERO;
    long requests;
    BigDecimal cost;

    OverflowAcc(String subagent, String model) {
      this.subagent = subagent;
      this.model = model;
    }

    void add(TokenCounts t, long n, BigDecimal c) {
      tokens = tokens.plus(t);
      requests += n;
      if (c != null) {
        cost = cost == null ? c : cost.add(c);
      }
    }
  }
}
