package dev.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's --help renders cleanly: picocli warns on stderr when a description is not a valid format. */
class CommandHelpTest {

  @Test
  void everyCommandsHelpRendersWithoutAFormatWarning() {
    CommandLine root = Main.commandLine(Map.of());
    assertThat(root.getSubcommands()).containsKeys("serve", "demo", "run:status", "gate", "tokens:stats", "prices");
    PrintStream saved = System.err;
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
    try {
      root.getSubcommands().forEach((name, sub) -> {
        String usage = sub.getUsageMessage();
        assertThat(usage).as(name).contains("Usage: tokenmeter " + name).doesNotContain("%n");
        sub.getSubcommands().forEach((n2, s2) -> assertThat(s2.getUsageMessage()).as(name + " " + n2).doesNotContain("%n"));
      });
    } finally {
      System.setErr(saved);
    }
    // Only picocli's own lines: threads left by other tests may log to System.err meanwhile.
    assertThat(warnings.toString(StandardCharsets.UTF_8)).doesNotContain("picocli");
  }
}
