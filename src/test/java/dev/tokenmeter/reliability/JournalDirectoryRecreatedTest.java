package dev.tokenmeter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.RunStatus;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.ingest.live.Tailer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A babysitter journal directory (and the whole runs directory) removed and recreated while it is
 * tailed, as a restore from backup or a cleanup script would: the entries written again are not
 * counted twice (keyed or not), and entries that are new are counted.
 */
class JournalDirectoryRecreatedTest {

  static final String RUN = "01SOAK0000000000000000001";

  @TempDir Path runs;

  static String entry(int n, boolean keyed) {
    return "{\n  \"type\": \"COST_TRACKED\",\n  \"recordedAt\": \"2026-12-04T15:37:50.247Z\",\n"
        + "  \"data\": {\n    \"model\": \"claude-sonnet-4-5\",\n    \"inputTokens\": " + (1000 * n) + ",\n"
        + "    \"outputTokens\": " + n + ",\n    \"cacheReadTokens\": 0,\n    \"taskKind\": \"agent\",\n"
        + (keyed ? "    \"idempotencyKey\": \"soak-" + n + "\",\n" : "")
        + "    \"timestamp\": \"2026-12-04T15:37:50.243Z\"\n  },\n  \"checksum\": \"00\"\n}\n";
  }

  static void write(Path journal, int n) throws IOException {
    Files.createDirectories(journal);
    // Odd entries carry an idempotency key; even ones are keyed by run and file name.
    Files.writeString(journal.resolve(String.format("%06d.01SOAK00000000000000000%03d.json", n, n)), entry(n, n % 2 == 1));
  }

  private static long[] totals(TokenMeter m) {
    RunStatus s = m.status(RUN).orElseThrow();
    return new long[] {s.tokens().input(), s.tokens().output(), s.requests()};
  }

  private static long[] expected(int... entries) {
    long[] t = new long[3];
    for (int n : entries) {
      t[0] += 1000L * n;
      t[1] += n;
      t[2]++;
    }
    return t;
  }

  @Test
  void aJournalRemovedAndRecreatedIsNotCountedTwiceAndNewEntriesCount() throws Exception {
    Path journal = runs.resolve(RUN).resolve("journal");
    try (TokenMeter m = TokenMeter.builder().priceBook(CardinalityAttackTest.BOOK).sweepInterval(Duration.ZERO).build();
        Tailer t = Tailer.builder(m).runsDir(runs).pollInterval(Duration.ofMillis(50)).start()) {
      for (int n = 1; n <= 4; n++) {
        write(journal, n);
      }
      assertThat(t.awaitPass(Duration.ofSeconds(10))).isTrue();
      assertThat(totals(m)).containsExactly(expected(1, 2, 3, 4));

      // The journal directory goes away, the tailer sees it gone, then it comes back as it was.
      StateDirectoryFaultTest.deleteTree(journal);
      assertThat(t.awaitPass(Duration.ofSeconds(10))).isTrue();
      assertThat(t.awaitPass(Duration.ofSeconds(10))).isTrue();
      for (int n = 1; n <= 4; n++) {
        write(journal, n);
      }
      assertThat(t.awaitPass(Duration.ofSeconds(10))).isTrue();
      assertThat(totals(m)).containsExactly(expected(1, 2, 3, 4));

      // New entries in the recreated directory count.
      write(journal, 5);
      write(journal, 6);
      assertThat(t.awaitPass(Duration.ofSeconds(10))).isTrue();
      assertThat(totals(m)).containsExactly(expected(1, 2, 3, 4, 5, 6));

      // The whole runs directory removed and recreated, with the old entries and one more.
      StateDirectoryFaultTest.deleteTree(runs);
      assertThat(t.awaitPass(Duration.ofSeconds(10))).isTrue();
      assertThat(t.awaitPass(Duration.ofSeconds(10))).isTrue();
      for (int n = 1; n <= 7; n++) {
        write(journal, n);
      }
      assertThat(t.awaitPass(Duration.ofSeconds(10))).isTrue();
      assertThat(t.awaitPass(Duration.ofSeconds(10))).isTrue();
      assertThat(totals(m)).containsExactly(expected(1, 2, 3, 4, 5, 6, 7));
      assertThat(m.stats().recordErrors()).isZero();
    }
  }
}
