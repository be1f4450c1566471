package dev.tokenmeter.export;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The OTLP to Prometheus name translation of the OpenTelemetry Collector's
 * {@code pkg/translator/prometheus} (now {@code prometheus/otlptranslator}) with suffixes on,
 * reduced to what tokenmeter's metrics need:
 *
 * <ul>
 *   <li>split the name at every character outside {@code [a-zA-Z0-9:]}, join with {@code _};
 *   <li>unit split at {@code /}; a part that is empty or has {@code {}} adds nothing, others map
 *       ({@code s} to {@code seconds}, {@code By} to {@code bytes}, {@code 1} to nothing) and are
 *       appended unless already a token; the per part as {@code per_<unit>};
 *   <li>monotonic sum: {@code total} moved to the end; gauge with unit {@code 1}: {@code ratio};
 *   <li>attribute keys: the same character replacement.
 * </ul>
 */
public final class OtlpToPrometheus {

  private static final Map<String, String> UNITS =
      Map.of("s", "seconds", "ms", "milliseconds", "By", "bytes", "1", "", "%", "percent");
  private static final Map<String, String> PER_UNITS =
      Map.of("s", "second", "m", "minute", "h", "hour", "d", "day");

  private OtlpToPrometheus() {}

  public static String metricName(String name, String unit, boolean monotonicSum, boolean gauge) {
    List<String> tokens = new ArrayList<>(List.of(name.split("[^a-zA-Z0-9:]+")));
    tokens.removeIf(String::isEmpty);
    String[] parts = unit.split("/", 2);
    String main = parts[0].trim();
    if (!main.isEmpty() && !main.contains("{") && !main.contains("}")) {
      String u = UNITS.getOrDefault(main, main);
      if (!u.isEmpty() && !tokens.contains(u)) {
        tokens.add(u);
      }
    }
    if (parts.length > 1) {
      String per = parts[1].trim();
      if (!per.isEmpty() && !per.contains("{") && !per.contains("}")) {
        String u = "per_" + PER_UNITS.getOrDefault(per, per);
        if (!tokens.contains(u)) {
          tokens.add(u);
        }
      }
    }
    if (monotonicSum) {
      tokens.remove("total");
      tokens.add("total");
    }
    if (gauge && unit.equals("1")) {
      tokens.remove("ratio");
      tokens.add("ratio");
    }
    return String.join("_", tokens);
  }

  public static String labelName(String attributeKey) {
    return attributeKey.replaceAll("[^a-zA-Z0-9_]", "_");
  }

  /**
   * Sums and gauges of an export request as Prometheus series: {@code name{label="v",...}} (labels
   * sorted, empty values dropped as Prometheus does) to value.
   */
  public static Map<String, Double> series(ExportMetricsServiceRequest request) {
    Map<String, Double> out = new TreeMap<>();
    for (Metric m : metrics(request)) {
      List<NumberDataPoint> points;
      String name;
      if (m.hasSum()) {
        points = m.getSum().getDataPointsList();
        name = metricName(m.getName(), m.getUnit(), m.getSum().getIsMonotonic(), false);
      } else if (m.hasGauge()) {
        points = m.getGauge().getDataPointsList();
        name = metricName(m.getName(), m.getUnit(), false, true);
      } else {
        continue;
      }
      for (NumberDataPoint p : points) {
        double v = p.getValueCase() == NumberDataPoint.ValueCase.AS_INT ? p.getAsInt() : p.getAsDouble();
        out.put(name + labels(p.getAttributesList()), v);
      }
    }
    return out;
  }

  /** Histogram points of one metric, by their translated label set. */
  public static Map<String, HistogramDataPoint> histogram(ExportMetricsServiceRequest request, String otelName) {
    Map<String, HistogramDataPoint> out = new TreeMap<>();
    for (Metric m : metrics(request)) {
      if (m.getName().equals(otelName) && m.hasHistogram()) {
        for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
          out.put(labels(p.getAttributesList()), p);
        }
      }
    }
    return out;
  }

  public static List<Metric> metrics(ExportMetricsServiceRequest request) {
    List<Metric> out = new ArrayList<>();
    for (ResourceMetrics rm : request.getResourceMetricsList()) {
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        out.addAll(sm.getMetricsList());
      }
    }
    return out;
  }

  private static String labels(List<KeyValue> attributes) {
    Map<String, String> sorted = new TreeMap<>();
    for (KeyValue kv : attributes) {
      String v = kv.getValue().getStringValue();
      if (!v.isEmpty()) {
        sorted.put(labelName(kv.getKey()), v);
      }
    }
    return PrometheusText.format(sorted);
  }
}
