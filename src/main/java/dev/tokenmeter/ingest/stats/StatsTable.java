package dev.tokenmeter.ingest.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code tokens:stats} for people: aligned columns, a totals line, then the unpriced models and
 * the number of ingest errors. Costs are rounded to six places here only; an unknown cost shows
 * as {@code unpriced}, never {@code 0}.
 */
public final class StatsTable {

  private StatsTable() {}

  public static String render(TokenStats stats) {
    List<String> header = new ArrayList<>();
    for (Dimension d : stats.groupBy()) {
      header.add(d.label().toUpperCase(java.util.Locale.ROOT));
    }
    header.addAll(List.of("CALLS", "INPUT", "OUTPUT", "CACHE_READ", "CACHE_W5M", "CACHE_W1H",
        "COST_USD", "CACHE_SHARE"));
    int keyColumns = stats.groupBy().size();
    List<List<String>> rows = new ArrayList<>();
    rows.add(header);
    if (keyColumns > 0) {
      for (StatsRow r : stats.groups()) {
        rows.add(cells(r, keyColumns, false));
      }
    }
    rows.add(cells(stats.totals(), keyColumns, true));
    int[] width = new int[header.size()];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        String c = row.get(i);
        boolean left = i < keyColumns;
        if (i > 0) {
          sb.append("  ");
        }
        sb.append(left ? pad(c, width[i], true) : pad(c, width[i], false));
      }
      stripTrailing(sb);
      sb.append('\n');
    }
    if (!stats.unpriced().isEmpty()) {
      sb.append("\nunpriced models (tokens counted, cost unknown):\n");
      for (UnpricedModel u : stats.unpriced()) {
        sb.append("  ").append(u.model()).append(": ").append(u.tokens().total())
            .append(" tokens ").append(u.tokens().toLabelMap()).append('\n');
      }
    }
    if (stats.errorCount() > 0) {
      sb.append('\n').append(stats.errorCount()).append(" ingest error(s); first: ")
          .append(stats.errors().isEmpty() ? "" : stats.errors().get(0)).append('\n');
    }
    return sb.toString();
  }

  private static List<String> cells(StatsRow r, int keyColumns, boolean totals) {
    List<String> c = new ArrayList<>();
    if (totals) {
      for (int i = 0; i < keyColumns; i++) {
        c.add(i == 0 ? "TOTAL" : "");
      }
    } else {
      for (Map.Entry<Dimension, String> k : r.key().entrySet()) {
        c.add(k.getValue().isEmpty() ? "-" : k.getValue());
      }
    }
    c.add(Long.toString(r.calls()));
    c.add(Long.toString(r.tokens().input()));
    c.add(Long.toString(r.tokens().output()));
    c.add(Long.toString(r.tokens().cacheRead()));
    c.add(Long.toString(r.tokens().cacheWrite5m()));
    c.add(Long.toString(r.tokens().cacheWrite1h()));
    String cost = r.costUsd() == null ? "unpriced" : Money.rounded(r.costUsd());
    if (r.costUsd() != null && r.unpricedTokens() > 0) {
      cost += "+?"; // part of the group is unpriced
    }
    c.add(cost);
    c.add(r.cacheShare() == null ? "-" : r.cacheShare().toPlainString());
    return c;
  }

  private static String pad(String s, int w, boolean left) {
    StringBuilder b = new StringBuilder(w);
    if (!left) {
      b.append(" ".repeat(w - s.length()));
    }
    b.append(s);
    if (left) {
      b.append(" ".repeat(w - s.length()));
    }
    return b.toString();
  }

  private static void stripTrailing(StringBuilder sb) {
    int n = sb.length();
    while (n > 0 && sb.charAt(n - 1) == ' ') {
      n--;
    }
    sb.setLength(n);
  }
}
