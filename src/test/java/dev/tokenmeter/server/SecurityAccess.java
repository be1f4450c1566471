package dev.tokenmeter.server;

import java.util.function.Predicate;

/** Opens package-private server parts to the tests in {@code dev.tokenmeter.security}. */
public final class SecurityAccess {

  private SecurityAccess() {}

  /** The real {@link BearerToken} check for this token, as a predicate over Authorization header values. */
  public static Predicate<String> bearerToken(String token) {
    BearerToken t = new BearerToken(token);
    return t::matches;
  }

  /** The run id rule the router, the usage parser and the webhook enforce: null when valid. */
  public static String runIdProblem(String id) {
    return RunIds.problem(id);
  }

  public static int maxRunIdLength() {
    return RunIds.MAX_LENGTH;
  }
}
