package dev.tokenmeter.ingest;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

/**
 * Where the sources live when no directory is given: babysitter runs in {@code ~/.a5c/runs}
 * (or {@code BABYSITTER_RUNS_DIR}, as the babysitter SDK itself reads it), Claude Code projects in
 * {@code ~/.claude/projects}.
 */
public final class DefaultDirectories {

  public static final String RUNS_DIR_ENV = "BABYSITTER_RUNS_DIR";

  private DefaultDirectories() {}

  public static Path runsDir() {
    return runsDir(System.getenv(), home());
  }

  public static Path claudeDir() {
    return claudeDir(home());
  }

  static Path runsDir(Map<String, String> env, Path home) {
    String fromEnv = env.get(RUNS_DIR_ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Paths.get(fromEnv);
    }
    return home.resolve(".a5c").resolve("runs");
  }

  static Path claudeDir(Path home) {
    return home.resolve(".claude").resolve("projects");
  }

  private static Path home() {
    return Paths.get(System.getProperty("user.home"));
  }
}
