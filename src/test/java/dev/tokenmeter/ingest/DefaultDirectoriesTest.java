package dev.tokenmeter.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DefaultDirectoriesTest {

  @Test
  void runsDirComesFromTheEnvironmentElseTheHome() {
    Path home = Path.of("/home/u");
    assertThat(DefaultDirectories.runsDir(Map.of(), home)).isEqualTo(Path.of("/home/u/.a5c/runs"));
    assertThat(DefaultDirectories.runsDir(Map.of("BABYSITTER_RUNS_DIR", " "), home))
        .isEqualTo(Path.of("/home/u/.a5c/runs"));
    assertThat(DefaultDirectories.runsDir(Map.of("BABYSITTER_RUNS_DIR", "/srv/runs"), home))
        .isEqualTo(Path.of("/srv/runs"));
  }

  @Test
  void claudeDirIsInTheHome() {
    assertThat(DefaultDirectories.claudeDir(Path.of("/home/u")))
        .isEqualTo(Path.of("/home/u/.claude/projects"));
  }
}
