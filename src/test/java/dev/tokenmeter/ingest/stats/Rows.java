package dev.tokenmeter.ingest.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.usage.TokenCounts;
import java.util.ArrayList;
import java.util.List;

/** Compact expected rows: key, calls, then input, output, cache read, 5m and 1h cache writes. */
public final class Rows {

  private Rows() {}

  public static String row(String key, long calls, long in, long out, long read, long w5, long w1) {
    return key + " calls=" + calls + " " + TokenCounts.of(in, out, read, w5, w1);
  }

  /** The stats' groups (single-dimension keys) in the same form. */
  public static List<String> of(TokenStats stats) {
    List<String> out = new ArrayList<>();
    for (StatsRow r : stats.groups()) {
      String key = String.join("|", r.key().values());
      out.add(key + " calls=" + r.calls() + " " + r.tokens());
    }
    return out;
  }

  public static void assertGroups(TokenStats stats, String... expected) {
    assertThat(of(stats)).containsExactly(expected);
  }
}
