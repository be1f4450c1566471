package dev.tokenmeter.budget;

/** What crossing a budget threshold does. */
public enum ThresholdAction {
  NOTIFY,
  PAUSE;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
