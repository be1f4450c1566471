package dev.tokenmeter.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.RunStatus;
import dev.tokenmeter.budget.Breakpoint;
import dev.tokenmeter.budget.HistoryEntry;
import dev.tokenmeter.usage.TokenCounts;
import java.math.BigDecimal;
import java.util.Map;

/**
 * The JSON of a run (DESIGN section 7): {@code run}, {@code session}, {@code state},
 * {@code costUsd}, {@code budgetUsd}, {@code tokens}, {@code bySubagent}, {@code byModel},
 * {@code breakpoint}, then more. Fields are only ever added, never renamed. Money is a decimal
 * string.
 */
final class RunJson {

  private RunJson() {}

  static ObjectNode of(RunStatus s, BigDecimal burnRateUsdPerMinute) {
    ObjectNode o = Json.object();
    o.put("run", s.run());
    o.put("session", s.session());
    o.put("state", s.state());
    o.put("costUsd", Json.money(s.costUsd()));
    o.put("budgetUsd", Json.money(s.budgetUsd()));
    o.set("tokens", tokens(s.tokens()));
    o.set("bySubagent", breakdown(s.bySubagent()));
    o.set("byModel", breakdown(s.byModel()));
    o.set("breakpoint", breakpoint(s.breakpoint()));
    o.put("costComplete", s.costComplete());
    ArrayNode unpriced = o.putArray("unpricedModels");
    s.unpricedModels().forEach(unpriced::add);
    o.put("requests", s.requests());
    o.put("reservedUsd", Json.money(s.reservedUsd()));
    ObjectNode subBudgets = o.putObject("subagentBudgetsUsd");
    s.subagentBudgetsUsd().forEach((k, v) -> subBudgets.put(k, Json.money(v)));
    o.put("burnRateUsdPerMinute", Json.money(burnRateUsdPerMinute));
    o.put("overridden", s.overridden());
    ArrayNode series = o.putArray("series");
    for (RunStatus.SeriesStatus ss : s.series()) {
      ObjectNode e = series.addObject();
      e.put("subagent", ss.subagent());
      e.put("model", ss.model());
      e.set("tokens", tokens(ss.tokens()));
      e.put("requests", ss.requests());
      e.put("costUsd", Json.money(ss.costUsd()));
    }
    ArrayNode history = o.putArray("history");
    for (HistoryEntry h : s.history()) {
      ObjectNode e = history.addObject();
      e.put("at", Json.instant(h.at()));
      e.put("action", h.action().name().toLowerCase(java.util.Locale.ROOT));
      e.put("source", h.source());
      e.put("by", h.by());
      e.put("reason", h.reason());
      e.put("costUsd", Json.money(h.costUsd()));
      e.put("budgetUsd", Json.money(h.budgetUsd()));
    }
    o.put("createdAt", Json.instant(s.createdAt()));
    o.put("lastUsageAt", Json.instant(s.lastUsageAt()));
    o.put("endedAt", Json.instant(s.endedAt()));
    return o;
  }

  static ObjectNode tokens(TokenCounts t) {
    ObjectNode o = Json.object();
    t.toLabelMap().forEach(o::put);
    return o;
  }

  private static ObjectNode breakdown(Map<String, RunStatus.Breakdown> m) {
    ObjectNode o = Json.object();
    m.forEach(
        (k, b) -> {
          ObjectNode e = o.putObject(k);
          e.put("costUsd", Json.money(b.costUsd()));
          e.put("requests", b.requests());
          e.set("tokens", tokens(b.tokens()));
        });
    return o;
  }

  /** The breakpoint, or JSON null when the run is open. */
  static ObjectNode breakpoint(Breakpoint bp) {
    if (bp == null) {
      return null;
    }
    ObjectNode o = Json.object();
    o.put("reason", bp.reason());
    o.put("source", bp.source().label());
    o.put("since", Json.instant(bp.since()));
    o.put("by", bp.by());
    o.put("scope", bp.scope().label());
    o.put("scopeKey", bp.scopeKey());
    o.put("costUsd", Json.money(bp.costUsd()));
    o.put("budgetUsd", Json.money(bp.budgetUsd()));
    return o;
  }
}
