package dev.tokenmeter.budget;

/** Who or what set a pause breakpoint: the {@code source} label of {@code tokenmeter_run_paused}. */
public enum PauseSource {
  BUDGET,
  ALERT,
  MANUAL;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static PauseSource fromLabel(String s) {
    return valueOf(s.toUpperCase(java.util.Locale.ROOT));
  }
}
