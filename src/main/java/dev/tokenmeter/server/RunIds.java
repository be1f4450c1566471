package dev.tokenmeter.server;

/**
 * What a run id (and a session id) may be on the HTTP surface: 1 to {@value #MAX_LENGTH}
 * characters, not blank, no control characters (NUL, CR, LF, DEL, ...), no {@code /} or {@code \}, and not
 * {@code .} or {@code ..}. Any other Unicode is allowed. Checked in one place for the URL router,
 * usage events and webhook labels, so an id that could be mistaken for a path, split a log line
 * or grow without bound never reaches the meter or the state directory (whose file names are
 * percent-encoded anyway).
 */
final class RunIds {

  static final int MAX_LENGTH = 256;

  private RunIds() {}

  /** Null when the id is valid, else what is wrong with it (never the id itself: it may be huge or binary). */
  static String problem(String id) {
    if (id == null || id.isBlank()) {
      return "must not be empty or blank";
    }
    if (id.length() > MAX_LENGTH) {
      return "must be at most " + MAX_LENGTH + " characters, got " + id.length();
    }
    if (id.equals(".") || id.equals("..")) {
      return "must not be \".\" or \"..\"";
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (Character.isISOControl(c)) {
        return "must not contain control characters (found U+" + String.format("%04X", (int) c) + " at " + i + ")";
      }
      if (c == '/' || c == '\\') {
        return "must not contain '/' or '\\'";
      }
    }
    return null;
  }

  /** @throws HttpError 400 naming what is wrong */
  static String require(String id, String what) {
    String p = problem(id);
    if (p != null) {
      throw HttpError.of(400, "invalid " + what + ": " + p);
    }
    return id;
  }
}
