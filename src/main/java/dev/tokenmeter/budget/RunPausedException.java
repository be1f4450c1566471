package dev.tokenmeter.budget;

/** Thrown by a checkpoint of a paused run: the orchestrator should stop dispatching and wait. */
public final class RunPausedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Breakpoint breakpoint;
  private final String run;

  public RunPausedException(String run, Breakpoint breakpoint) {
    super("run " + run + " is paused (" + breakpoint.source().label() + "): " + breakpoint.reason());
    this.run = run;
    this.breakpoint = breakpoint;
  }

  public String run() {
    return run;
  }

  public Breakpoint breakpoint() {
    return breakpoint;
  }
}
