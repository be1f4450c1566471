package dev.tokenmeter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;

/** The human view of a run's JSON, for {@code run:status}. */
final class StatusView {

  static final int BAR_WIDTH = 40;

  private StatusView() {}

  static String render(JsonNode run) {
    StringBuilder sb = new StringBuilder();
    String id = run.path("run").asText();
    String session = run.path("session").isNull() ? null : run.path("session").asText(null);
    sb.append("run ").append(id);
    if (session != null) {
      sb.append("  (session ").append(session).append(')');
    }
    sb.append("  ").append(run.path("state").asText().toUpperCase(Locale.ROOT)).append('\n');

    BigDecimal cost = decimal(run.get("costUsd"));
    BigDecimal budget = decimal(run.get("budgetUsd"));
    sb.append(String.format("  cost      %s", usd(cost)));
    if (budget != null) {
      sb.append(" of ").append(usd(budget)).append("  ").append(bar(cost, budget));
    } else {
      sb.append("  (no budget)");
    }
    if (!run.path("costComplete").asBoolean(true)) {
      sb.append("  + unpriced: ").append(run.path("unpricedModels"));
    }
    sb.append('\n');
    BigDecimal burn = decimal(run.get("burnRateUsdPerMinute"));
    if (burn != null) {
      sb.append("  burn      ").append(usd(burn)).append("/min over the last minute\n");
    }
    sb.append("  tokens    ").append(tokens(run.path("tokens"))).append("  in ").append(run.path("requests").asLong())
        .append(run.path("requests").asLong() == 1 ? " request\n" : " requests\n");

    JsonNode bp = run.get("breakpoint");
    if (bp != null && !bp.isNull()) {
      sb.append("  paused    ").append(bp.path("source").asText()).append(": ").append(bp.path("reason").asText())
          .append("\n            since ").append(bp.path("since").asText()).append(" by ").append(bp.path("by").asText()).append('\n');
      sb.append("  resume    tokenmeter run:resume ").append(id).append(" --raise USD | --budget USD | --override\n");
    }
    table(sb, "subagent", run.path("bySubagent"));
    table(sb, "model", run.path("byModel"));
    return sb.toString();
  }

  private static void table(StringBuilder sb, String what, JsonNode groups) {
    if (groups.size() == 0) {
      return;
    }
    sb.append(String.format("%n  %-24s %12s %9s  %s%n", "by " + what, "cost", "requests", "tokens"));
    for (Map.Entry<String, JsonNode> g : groups.properties()) {
      BigDecimal c = decimal(g.getValue().get("costUsd"));
      sb.append(String.format("  %-24s %12s %9d  %s%n", g.getKey(), c == null ? "unpriced" : usd(c),
          g.getValue().path("requests").asLong(), tokens(g.getValue().path("tokens"))));
    }
  }

  /** A bar of the cost against the budget; past 100% it is full and says how far over. */
  static String bar(BigDecimal cost, BigDecimal budget) {
    if (budget.signum() == 0) {
      return "[" + "#".repeat(BAR_WIDTH) + "] over";
    }
    BigDecimal ratio = cost.divide(budget, 4, RoundingMode.HALF_UP);
    int filled = ratio.multiply(BigDecimal.valueOf(BAR_WIDTH)).setScale(0, RoundingMode.DOWN).min(BigDecimal.valueOf(BAR_WIDTH)).intValue();
    return "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] "
        + ratio.movePointRight(2).setScale(0, RoundingMode.DOWN).toPlainString() + "%";
  }

  private static String tokens(JsonNode t) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, JsonNode> e : t.properties()) {
      if (e.getValue().asLong() != 0) {
        sb.append(sb.length() == 0 ? "" : "  ").append(e.getKey()).append(' ').append(String.format("%,d", e.getValue().asLong()));
      }
    }
    return sb.length() == 0 ? "none" : sb.toString();
  }

  static String usd(BigDecimal v) {
    return "$" + (v.scale() < 2 ? v.setScale(2) : v.setScale(Math.min(v.scale(), 4), RoundingMode.HALF_UP)).toPlainString();
  }

  private static BigDecimal decimal(JsonNode n) {
    return n == null || n.isNull() || n.asText().isEmpty() ? null : new BigDecimal(n.asText());
  }
}
