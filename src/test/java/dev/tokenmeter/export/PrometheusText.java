package dev.tokenmeter.export;

import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/** Reads the samples of Prometheus text exposition, enough for comparing exporters in tests. */
public final class PrometheusText {

  private PrometheusText() {}

  /**
   * {@code name{label="v",...}} (labels sorted, empty values dropped as Prometheus does) to value,
   * for the samples whose name starts with {@code prefix}.
   */
  public static Map<String, Double> series(String text, String prefix) {
    Map<String, Double> out = new TreeMap<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#") || !line.startsWith(prefix)) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String name;
      Map<String, String> labels = new TreeMap<>();
      if (brace >= 0 && brace < space) {
        name = line.substring(0, brace);
        int close = line.lastIndexOf('}');
        parseLabels(line.substring(brace + 1, close), labels);
      } else {
        name = line.substring(0, space);
      }
      out.put(name + format(labels), Double.parseDouble(line.substring(space + 1)));
    }
    return out;
  }

  private static void parseLabels(String s, Map<String, String> into) {
    int i = 0;
    while (i < s.length()) {
      int eq = s.indexOf('=', i);
      String key = s.substring(i, eq);
      StringBuilder value = new StringBuilder();
      int j = eq + 2; // past ="
      while (s.charAt(j) != '"') {
        if (s.charAt(j) == '\\') {
          j++;
        }
        value.append(s.charAt(j++));
      }
      if (value.length() > 0) {
        into.put(key, value.toString());
      }
      i = j + 1;
      if (i < s.length() && s.charAt(i) == ',') {
        i++;
      }
    }
  }

  public static String format(Map<String, String> sortedLabels) {
    if (sortedLabels.isEmpty()) {
      return "";
    }
    StringJoiner j = new StringJoiner(",", "{", "}");
    sortedLabels.forEach((k, v) -> j.add(k + "=\"" + v + "\""));
    return j.toString();
  }
}
