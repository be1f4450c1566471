package dev.tokenmeter.ingest.live;

import static dev.tokenmeter.ingest.live.TailerLiveTest.append;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.ingest.IngestError;
import dev.tokenmeter.usage.TokenCounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files replaced, truncated, deleted and recreated under a running tailer; bad input counted once. */
class TailerFilesTest {

  static final String S = "a1b2c3d4-files-0000-0000-000000000001";

  @TempDir
  Path tmp;

  Path claude;
  Path transcript;
  TokenMeter meter;

  @BeforeEach
  void setUp() throws Exception {
    claude = tmp.resolve("projects");
    Files.createDirectories(claude.resolve("-p"));
    transcript = claude.resolve("-p").resolve(S + ".jsonl");
    meter = TailerRestartTest.meter();
  }

  static String line(String id, long input, long output) {
    return Lines.assistant(S, id, "req_" + id, input, output) + "\n";
  }

  TokenCounts tokens() {
    return TailerLiveTest.tokens(meter, S);
  }

  long requests() {
    return meter.status(S).map(r -> r.requests()).orElse(0L);
  }

  static void pass(Tailer t) throws InterruptedException {
    assertThat(t.awaitPass(Duration.ofSeconds(10))).isTrue();
  }

  @Test
  void aFileReplacedByRenameIsReadAgainAndOnlyWhatIsNewCounts() throws Exception {
    append(transcript, line("A", 1000, 10));
    try (Tailer t = Tailer.builder(meter).claudeDir(claude).start()) {
      pass(t);
      assertThat(tokens()).isEqualTo(TokenCounts.of(1000, 10, 0, 0, 0));
      // An editor or a compaction writes a new file and renames it over the old one.
      Path next = tmp.resolve("next.jsonl");
      Files.writeString(next, line("A", 1000, 10) + line("A", 1000, 40) + line("B", 200, 20));
      Files.move(next, transcript, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      pass(t);
      assertThat(tokens()).isEqualTo(TokenCounts.of(1200, 60, 0, 0, 0));
      assertThat(requests()).isEqualTo(2);
      assertThat(t.ingestErrors()).isZero();
    }
  }

  @Test
  void aTruncatedFileIsReadFromTheStart() throws Exception {
    append(transcript, line("A", 1000, 10) + line("B", 10, 10));
    try (Tailer t = Tailer.builder(meter).claudeDir(claude).start()) {
      pass(t);
      // Truncated in place (same inode), then written again: shorter than what was read.
      Files.writeString(transcript, line("C", 5, 5));
      pass(t);
      assertThat(tokens()).isEqualTo(TokenCounts.of(1015, 25, 0, 0, 0));
      // Truncated and rewritten with copies already counted: nothing added.
      Files.writeString(transcript, line("A", 1000, 10));
      pass(t);
      assertThat(tokens()).isEqualTo(TokenCounts.of(1015, 25, 0, 0, 0));
      assertThat(requests()).isEqualTo(3);
      assertThat(t.ingestErrors()).isZero();
    }
  }

  @Test
  void aFileDeletedWhileTailedKeepsItsCountsAndANewOneAtItsPathIsRead() throws Exception {
    append(transcript, line("A", 1000, 10));
    Path runs = tmp.resolve("runs");
    Path journal = runs.resolve("run-1").resolve("journal");
    Files.createDirectories(journal);
    append(journal.resolve("000001.01KTMFILES000000000000001.json"),
        Lines.costTracked("k1", "claude-opus-4-5", 10, 20));
    try (Tailer t = Tailer.builder(meter).claudeDir(claude).runsDir(runs).start()) {
      pass(t);
      Files.delete(transcript);
      deleteTree(runs.resolve("run-1"));
      pass(t);
      pass(t);
      // Counters never go down.
      assertThat(tokens()).isEqualTo(TokenCounts.of(1000, 10, 0, 0, 0));
      assertThat(meter.status("run-1").orElseThrow().tokens()).isEqualTo(TokenCounts.of(10, 20, 0, 0, 0));

      append(transcript, line("D", 7, 7));
      Files.createDirectories(journal);
      append(journal.resolve("000001.01KTMFILES000000000000001.json"),
          Lines.costTracked("k2", "claude-opus-4-5", 1, 2));
      pass(t);
      assertThat(tokens()).isEqualTo(TokenCounts.of(1007, 17, 0, 0, 0));
      assertThat(meter.status("run-1").orElseThrow().tokens()).isEqualTo(TokenCounts.of(11, 22, 0, 0, 0));
      assertThat(t.ingestErrors()).isZero();
    }
  }

  @Test
  void aHalfWrittenJournalFileFollowedByANewerOneIsWaitedFor() throws Exception {
    Path runs = tmp.resolve("runs");
    Path journal = runs.resolve("run-2").resolve("journal");
    Files.createDirectories(journal);
    String first = Lines.costTracked("k1", "claude-opus-4-5", 10, 20);
    Path one = journal.resolve("000001.01KTMFILES000000000000001.json");
    try (Tailer t = Tailer.builder(meter).runsDir(runs).start()) {
      append(one, first.substring(0, 40));
      // Parallel writers: the next entry is complete before the first one is.
      append(journal.resolve("000002.01KTMFILES000000000000002.json"),
          Lines.costTracked("k2", "claude-opus-4-5", 1, 2));
      pass(t);
      pass(t);
      assertThat(meter.status("run-2")).as("waits for entry 1, to keep journal order").isEmpty();
      append(one, first.substring(40));
      pass(t);
      assertThat(meter.status("run-2").orElseThrow().tokens()).isEqualTo(TokenCounts.of(11, 22, 0, 0, 0));
      assertThat(t.ingestErrors()).isZero();
    }
  }

  @Test
  void directoriesThatAppearLaterArePickedUp() throws Exception {
    Path absent = tmp.resolve("later");
    try (Tailer t = Tailer.builder(meter).claudeDir(absent.resolve("projects"))
        .runsDir(absent.resolve("runs")).start()) {
      pass(t);
      assertThat(t.ingestErrors()).as("a source not there yet is not an error").isZero();
      Path slug = absent.resolve("projects").resolve("-p");
      Files.createDirectories(slug);
      append(slug.resolve(S + ".jsonl"), line("A", 3, 4));
      pass(t);
      assertThat(tokens()).isEqualTo(TokenCounts.of(3, 4, 0, 0, 0));
    }
  }

  @Test
  void eachBadLineAndBadDirectoryIsCountedAndReportedOnce() throws Exception {
    append(transcript, line("A", 1, 1) + "{not json\n" + line("B", 1, 1));
    // A symlink loop cannot be listed: Directories reports it on every pass.
    Files.createSymbolicLink(claude.resolve("-loop"), claude.resolve("-loop"));
    List<IngestError> heard = new CopyOnWriteArrayList<>();
    try (Tailer t = Tailer.builder(meter).claudeDir(claude).errorListener(heard::add).start()) {
      pass(t);
      pass(t);
      pass(t);
      assertThat(tokens()).isEqualTo(TokenCounts.of(2, 2, 0, 0, 0));
      assertThat(heard).extracting(IngestError::line).containsExactly(2L);
      assertThat(heard.get(0).file()).isEqualTo(transcript);
      assertThat(t.ingestErrors()).isEqualTo(1);
    }
  }

  static void deleteTree(Path dir) throws Exception {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
