package dev.tokenmeter.export;

import dev.tokenmeter.MeterSnapshot;
import dev.tokenmeter.SelfStats;
import dev.tokenmeter.usage.TokenType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a {@link MeterSnapshot} publishes, family by family: the one mapping from the ledger's view
 * to metric samples that every exporter uses. Built for one collection and dropped after it, so no
 * exporter holds counts of its own.
 *
 * <p>Samples of a family are sorted by label values, which keeps expositions stable.
 */
public final class Samples {

  private static final Comparator<Sample> BY_LABELS =
      (a, b) -> {
        List<String> x = a.labelValues();
        List<String> y = b.labelValues();
        for (int i = 0; i < x.size(); i++) {
          int c = x.get(i).compareTo(y.get(i));
          if (c != 0) {
            return c;
          }
        }
        return 0;
      };

  private final Map<MetricFamily, List<Sample>> byFamily;

  private Samples(Map<MetricFamily, List<Sample>> byFamily) {
    this.byFamily = byFamily;
  }

  /** Every family of {@link MetricFamily}, each possibly empty. */
  public static Samples of(MeterSnapshot snapshot) {
    Map<MetricFamily, List<Sample>> m = new EnumMap<>(MetricFamily.class);
    for (MetricFamily f : MetricFamily.values()) {
      m.put(f, new ArrayList<>());
    }
    for (MeterSnapshot.SeriesSample s : snapshot.series()) {
      for (TokenType t : TokenType.all()) {
        add(m, MetricFamily.TOKENS, s.tokens().get(t), s.run(), s.session(), s.subagent(), s.model(), t.label());
      }
      add(m, MetricFamily.REQUESTS, s.requests(), s.run(), s.session(), s.subagent(), s.model());
      if (s.costUsd() != null) { // unknown cost is absent, never 0
        add(m, MetricFamily.COST_USD, s.costUsd().doubleValue(), s.run(), s.session(), s.subagent(), s.model());
      }
    }
    Set<String> unpricedModels = new HashSet<>();
    for (MeterSnapshot.UnpricedSample u : snapshot.unpriced()) {
      unpricedModels.add(u.model());
    }
    for (MeterSnapshot.SpendSample s : snapshot.spend()) {
      // A model that never had a price has unknown spend, not a silent $0.
      if (s.usd().signum() == 0 && unpricedModels.contains(s.model())) {
        continue;
      }
      add(m, MetricFamily.SPEND_USD, s.usd().doubleValue(), s.model(), s.subagent());
    }
    for (MeterSnapshot.RunSample r : snapshot.runs()) {
      if (r.budgetUsd() != null) {
        add(m, MetricFamily.RUN_BUDGET_USD, r.budgetUsd().doubleValue(), r.run(), r.session());
      }
      if (r.pausedSource() != null) {
        add(m, MetricFamily.RUN_PAUSED, 1, r.run(), r.session(), r.pausedSource());
      }
    }
    for (MeterSnapshot.SessionSample s : snapshot.sessions()) {
      add(m, MetricFamily.SESSION_BUDGET_USD, s.budgetUsd().doubleValue(), s.session());
    }
    for (MeterSnapshot.UnpricedSample u : snapshot.unpriced()) {
      for (TokenType t : TokenType.all()) {
        add(m, MetricFamily.UNPRICED_TOKENS, u.tokens().get(t), u.model(), t.label());
      }
    }
    SelfStats self = snapshot.self();
    add(m, MetricFamily.EVICTED_RUNS, self.evictedRuns());
    add(m, MetricFamily.OVERFLOW_RUNS, self.overflowRuns());
    add(m, MetricFamily.REJECTED_EVENTS, self.rejectedEvents());
    add(m, MetricFamily.DUPLICATE_EVENTS, self.duplicateEvents());
    add(m, MetricFamily.RECORD_ERRORS, self.recordErrors());
    add(m, MetricFamily.LISTENER_ERRORS, self.listenerErrors());
    add(m, MetricFamily.STATE_WRITE_ERRORS, self.stateWriteErrors());
    add(m, MetricFamily.TRACKED_RUNS, self.trackedRuns());
    add(m, MetricFamily.TRACKED_RUNS_LIMIT, self.trackedRunsLimit());
    add(m, MetricFamily.INGEST_ERRORS, self.ingestErrors());
    add(m, MetricFamily.WEBHOOK_REQUESTS, self.webhookAccepted(), "accepted");
    add(m, MetricFamily.WEBHOOK_REQUESTS, self.webhookRejected(), "rejected");
    add(m, MetricFamily.PRICEBOOK_RELOADS, self.pricebookReloads());
    add(m, MetricFamily.PRICEBOOK_RELOAD_ERRORS, self.pricebookReloadErrors());
    add(m, MetricFamily.FOLDED_SERIES, self.foldedSeries());
    for (Map.Entry<MetricFamily, List<Sample>> e : m.entrySet()) {
      e.getValue().sort(BY_LABELS);
      e.setValue(Collections.unmodifiableList(e.getValue()));
    }
    return new Samples(m);
  }

  private static void add(Map<MetricFamily, List<Sample>> m, MetricFamily f, double value, String... labels) {
    m.get(f).add(new Sample(f, List.of(labels), value));
  }

  /** The samples of one family, sorted by label values; empty when it has none now. */
  public List<Sample> get(MetricFamily family) {
    return byFamily.get(family);
  }
}
