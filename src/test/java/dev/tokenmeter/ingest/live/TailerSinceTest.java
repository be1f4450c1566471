package dev.tokenmeter.ingest.live;

import static dev.tokenmeter.ingest.live.TailerLiveTest.append;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.usage.TokenCounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code since}, a tailer starting over a long history reads only what was written since;
 * what it skipped is read whole, from the start, once it is written again; and a session is read
 * whole or not at all (an old transcript with a fresh subagent file is read with it).
 */
class TailerSinceTest {

  static final String OLD = "0ld00000-0000-0000-0000-000000000001";
  static final String FRESH = "f4e50000-0000-0000-0000-000000000002";
  static final String MIXED = "m1xed000-0000-0000-0000-000000000003";

  @TempDir Path tmp;

  private static final FileTime LONG_AGO = FileTime.from(Instant.now().minus(Duration.ofDays(3)));

  private static void age(Path... paths) throws Exception {
    for (Path p : paths) {
      Files.setLastModifiedTime(p, LONG_AGO);
    }
  }

  @Test
  void onlySessionsAndRunsWrittenSinceAreReadUntilTheOthersAreWrittenAgain() throws Exception {
    Path claude = tmp.resolve("projects");
    Path project = Files.createDirectories(claude.resolve("-p"));
    Path old = project.resolve(OLD + ".jsonl");
    append(old, Lines.assistant(OLD, "msg_o1", "req_o1", 1000, 10) + "\n");
    Path fresh = project.resolve(FRESH + ".jsonl");
    append(fresh, Lines.assistant(FRESH, "msg_f1", "req_f1", 200, 20) + "\n");
    // An old transcript whose subagent is still writing: the session is live, read all of it.
    Path mixed = project.resolve(MIXED + ".jsonl");
    append(mixed, Lines.assistant(MIXED, "msg_m1", "req_m1", 300, 30) + "\n");
    Path subagents = Files.createDirectories(project.resolve(MIXED).resolve("subagents"));
    append(subagents.resolve("agent-a1.jsonl"), Lines.assistant(MIXED, "msg_m2", "req_m2", 40, 4) + "\n");
    age(old, mixed);

    Path runs = tmp.resolve("runs");
    Path oldJournal = Files.createDirectories(runs.resolve("run-old").resolve("journal"));
    append(oldJournal.resolve("000001.01KTMSINCE000000000000001.json"), Lines.costTracked("k-old-1", "claude-sonnet-4-5", 500, 50));
    Path freshJournal = Files.createDirectories(runs.resolve("run-fresh").resolve("journal"));
    append(freshJournal.resolve("000001.01KTMSINCE000000000000002.json"), Lines.costTracked("k-fresh-1", "claude-sonnet-4-5", 70, 7));
    age(oldJournal.resolve("000001.01KTMSINCE000000000000001.json"), oldJournal);

    TokenMeter meter = TailerRestartTest.meter();
    Instant since = Instant.now().minus(Duration.ofHours(1));
    try (Tailer t = Tailer.builder(meter).claudeDir(claude).runsDir(runs).since(since).start()) {
      TailerFilesTest.pass(t);
      assertThat(meter.status(OLD)).as("an old session is not read").isEmpty();
      assertThat(meter.status("run-old")).as("an old run is not read").isEmpty();
      assertThat(TailerLiveTest.tokens(meter, FRESH)).isEqualTo(TokenCounts.of(200, 20, 0, 0, 0));
      assertThat(TailerLiveTest.tokens(meter, MIXED)).as("the old transcript of a live session too")
          .isEqualTo(TokenCounts.of(340, 34, 0, 0, 0));
      assertThat(TailerLiveTest.tokens(meter, "run-fresh")).isEqualTo(TokenCounts.of(70, 7, 0, 0, 0));

      // Written again: read whole, from the start.
      append(old, Lines.assistant(OLD, "msg_o2", "req_o2", 1, 1) + "\n");
      append(oldJournal.resolve("000002.01KTMSINCE000000000000003.json"), Lines.costTracked("k-old-2", "claude-sonnet-4-5", 5, 5));
      TailerFilesTest.pass(t);
      TailerFilesTest.pass(t);
      assertThat(TailerLiveTest.tokens(meter, OLD)).isEqualTo(TokenCounts.of(1001, 11, 0, 0, 0));
      assertThat(meter.status(OLD).orElseThrow().requests()).isEqualTo(2);
      assertThat(TailerLiveTest.tokens(meter, "run-old")).isEqualTo(TokenCounts.of(505, 55, 0, 0, 0));
      assertThat(t.ingestErrors()).isZero();
    }

    // Without since, everything, as before.
    TokenMeter all = TailerRestartTest.meter();
    try (Tailer t = Tailer.builder(all).claudeDir(claude).runsDir(runs).start()) {
      TailerFilesTest.pass(t);
      assertThat(TailerLiveTest.tokens(all, OLD)).isEqualTo(TokenCounts.of(1001, 11, 0, 0, 0));
      assertThat(TailerLiveTest.tokens(all, "run-old")).isEqualTo(TokenCounts.of(505, 55, 0, 0, 0));
    }
  }
}
