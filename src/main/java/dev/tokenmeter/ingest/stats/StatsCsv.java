package dev.tokenmeter.ingest.stats;

import dev.tokenmeter.usage.TokenType;
import java.util.Map;

/**
 * {@code tokens:stats --csv}: a header, then one row per group (RFC 4180 quoting). Columns: the
 * group's dimensions, {@code calls}, one per token type, {@code cost_usd} (exact; empty when
 * unknown), {@code unpriced_tokens}, {@code cache_share}.
 */
public final class StatsCsv {

  private StatsCsv() {}

  public static String render(TokenStats stats) {
    StringBuilder sb = new StringBuilder();
    for (Dimension d : stats.groupBy()) {
      sb.append(d.label()).append(',');
    }
    sb.append("calls");
    for (TokenType t : TokenType.all()) {
      sb.append(',').append(t.label());
    }
    sb.append(",cost_usd,unpriced_tokens,cache_share\r\n");
    for (StatsRow r : stats.groups()) {
      for (Map.Entry<Dimension, String> k : r.key().entrySet()) {
        sb.append(quote(k.getValue())).append(',');
      }
      sb.append(r.calls());
      for (TokenType t : TokenType.all()) {
        sb.append(',').append(r.tokens().get(t));
      }
      sb.append(',').append(r.costUsd() == null ? "" : Money.exact(r.costUsd()));
      sb.append(',').append(r.unpricedTokens());
      sb.append(',').append(r.cacheShare() == null ? "" : r.cacheShare().toPlainString());
      sb.append("\r\n");
    }
    return sb.toString();
  }

  static String quote(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}
