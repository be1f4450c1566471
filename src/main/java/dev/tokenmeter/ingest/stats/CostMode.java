package dev.tokenmeter.ingest.stats;

import java.util.Locale;

/** Where a call's cost comes from. */
public enum CostMode {
  /** Tokens times the price book's prices; a model without a price is unpriced. */
  CALCULATE,
  /** The cost the source wrote down ({@code costUSD}); a call without one is unpriced. */
  REPORTED,
  /** The reported cost when the call carries one, else calculated. */
  AUTO;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @throws IllegalArgumentException for anything but calculate, reported or auto */
  public static CostMode parse(String s) {
    for (CostMode m : values()) {
      if (m.label().equalsIgnoreCase(s == null ? "" : s.trim())) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown cost mode '" + s + "'; use calculate, reported or auto");
  }
}
