package dev.tokenmeter.export;

import java.util.List;

/**
 * One exported value: a family, label values in the order of {@link MetricFamily#labelNames()},
 * and the value as a double (money becomes a double here, at the exposition boundary).
 */
public record Sample(MetricFamily family, List<String> labelValues, double value) {

  public Sample {
    labelValues = List.copyOf(labelValues);
    if (labelValues.size() != family.labelNames().size()) {
      throw new IllegalArgumentException(
          family + " takes labels " + family.labelNames() + ", got " + labelValues);
    }
  }
}
