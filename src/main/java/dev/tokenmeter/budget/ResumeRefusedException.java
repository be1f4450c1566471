package dev.tokenmeter.budget;

/** A resume that would leave a run over its budget without an override. */
public final class ResumeRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ResumeRefusedException(String message) {
    super(message);
  }
}
