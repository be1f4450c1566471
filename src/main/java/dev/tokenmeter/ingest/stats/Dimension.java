package dev.tokenmeter.ingest.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What {@code tokens:stats} can group by; {@link #label()} is the name on the command line and in output. */
public enum Dimension {
  RUN("run"),
  SESSION("session"),
  SUBAGENT("subagent"),
  MODEL("model"),
  /** The calendar day of the call's timestamp, in the query's zone (UTC unless set). */
  DAY("day");

  private final String label;

  Dimension(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /**
   * Parses {@code run,subagent,model}: any combination, in the order given, each once.
   *
   * @throws IllegalArgumentException naming the unknown or repeated dimension
   */
  public static List<Dimension> parseList(String csv) {
    List<Dimension> out = new ArrayList<>();
    if (csv == null || csv.isBlank()) {
      return out;
    }
    for (String part : csv.split(",")) {
      String p = part.trim().toLowerCase(Locale.ROOT);
      if (p.isEmpty()) {
        continue;
      }
      Dimension d = null;
      for (Dimension c : values()) {
        if (c.label.equals(p)) {
          d = c;
        }
      }
      if (d == null) {
        throw new IllegalArgumentException(
            "unknown group '" + part.trim() + "'; use run, session, subagent, model or day");
      }
      if (out.contains(d)) {
        throw new IllegalArgumentException("group '" + p + "' is given twice");
      }
      out.add(d);
    }
    return out;
  }
}
