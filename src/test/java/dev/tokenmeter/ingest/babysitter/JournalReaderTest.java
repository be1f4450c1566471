package dev.tokenmeter.ingest.babysitter;

import static dev.tokenmeter.ingest.stats.Rows.assertGroups;
import static dev.tokenmeter.ingest.stats.Rows.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.ingest.IngestError;
import dev.tokenmeter.ingest.SharedData;
import dev.tokenmeter.ingest.stats.Dimension;
import dev.tokenmeter.ingest.stats.StatsQuery;
import dev.tokenmeter.ingest.stats.TokenStats;
import dev.tokenmeter.ingest.stats.TokenStatsScanner;
import dev.tokenmeter.usage.IdempotencyKeys;
import dev.tokenmeter.usage.TokenCounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalReaderTest {

  @TempDir
  Path runs;

  private static TokenStats scan(Path runsDir, Dimension... by) {
    return TokenStatsScanner.scan(
        StatsQuery.builder().runsDir(runsDir).groupBy(List.of(by)).build());
  }

  /**
   * The two runs written by the real babysitter SDK. Expected rows: output of
   * {@code src/test/resources/ingest/expected_totals.py} (Python's json over the journal files:
   * each COST_TRACKED once per idempotencyKey, subagent = agent.name of the task.json), pasted.
   */
  @Test
  void realSdkRuns() {
    Path sdk = SharedData.resolve("babysitter-runs-sdk");
    TokenStats byRun = scan(sdk, Dimension.RUN);
    assertThat(byRun.errors()).isEmpty();
    assertGroups(byRun,
        row("01KTMREALRUN0000000000001", 4, 3600, 5590, 559037, 64774, 0),
        row("01KTMREALRUN0000000000002", 3, 51, 6229, 427183, 33805, 0));
    assertGroups(scan(sdk, Dimension.SUBAGENT),
        row("coder", 4, 66, 4917, 495242, 24721, 0),
        row("planner", 2, 25, 6163, 316235, 32571, 0),
        row("reviewer", 1, 3560, 739, 174743, 41287, 0));
    assertGroups(scan(sdk, Dimension.MODEL),
        row("claude-haiku-4-5-20251001", 1, 3560, 739, 174743, 41287, 0),
        row("claude-opus-4-5-20251101", 2, 25, 6163, 316235, 32571, 0),
        row("claude-sonnet-4-5-20250929", 4, 66, 4917, 495242, 24721, 0));
    // both runs report the one session (grep sessionId: 7 times 7f1c2b9e-sess-demo)
    assertGroups(scan(sdk, Dimension.SESSION),
        row("7f1c2b9e-sess-demo", 7, 3651, 11819, 986220, 98579, 0));
    assertThat(byRun.totals().tokens()).isEqualTo(TokenCounts.of(3651, 11819, 986220, 98579, 0));
    // run 1 completed; run 2 waits at its breakpoint
    assertThat(byRun.endedRuns()).containsExactly(Map.entry("01KTMREALRUN0000000000001", "RUN_COMPLETED"));
  }

  /** The real on-disk layout without cost events: no calls, no errors, both ends seen. */
  @Test
  void realLayoutWithoutCostEvents() {
    TokenStats s = scan(SharedData.resolve("babysitter-runs"), Dimension.RUN);
    assertThat(s.errors()).isEmpty();
    assertThat(s.totals().calls()).isZero();
    assertThat(s.endedRuns()).containsOnly(
        Map.entry("01KH507H054PWCPV0ZM3AAMM5J", "RUN_COMPLETED"),
        Map.entry("01KHCH3T7GTBKSG8ENFAPTVKEJ", "RUN_FAILED"));
  }

  @Test
  void fieldSpellingsAndCacheSplit() throws IOException {
    Path run = JournalFixture.run(runs, "r1");
    // short spellings, no split: all cache writes are 5m
    JournalFixture.entry(run, 1, "COST_TRACKED", "{\"model\":\"m\",\"inputTokens\":1,"
        + "\"outputTokens\":2,\"cacheReadTokens\":3,\"cacheCreationTokens\":4}");
    // long spellings
    JournalFixture.entry(run, 2, "COST_TRACKED", "{\"model\":\"m\",\"inputTokens\":10,"
        + "\"outputTokens\":20,\"cacheReadInputTokens\":30,\"cacheCreationInputTokens\":40}");
    // split by lifetime
    JournalFixture.entry(run, 3, "COST_TRACKED", "{\"model\":\"m\",\"cacheCreationInputTokens\":300,"
        + "\"cacheCreation5mTokens\":100,\"cacheCreation1hTokens\":200}");
    List<JournalUsage> got = read(run, new IdempotencyKeys(100), new ArrayList<>());
    assertThat(got).extracting(u -> u.event().tokens()).containsExactly(
        TokenCounts.of(1, 2, 3, 4, 0),
        TokenCounts.of(10, 20, 30, 40, 0),
        TokenCounts.of(0, 0, 0, 100, 200));
  }

  @Test
  void idempotencyKeyDedupesAndFileNameIsTheFallbackKey() throws IOException {
    Path run = JournalFixture.run(runs, "r1");
    String usage = "{\"model\":\"m\",\"inputTokens\":5,\"idempotencyKey\":\"k1\"}";
    JournalFixture.entry(run, 1, "COST_TRACKED", usage);
    JournalFixture.entry(run, 2, "COST_TRACKED", usage); // a retry: the same key
    JournalFixture.entry(run, 3, "COST_TRACKED", "{\"model\":\"m\",\"inputTokens\":7}");
    IdempotencyKeys seen = new IdempotencyKeys(100);
    List<IngestError> errors = new ArrayList<>();
    List<JournalUsage> got = read(run, seen, errors);
    assertThat(errors).isEmpty();
    assertThat(got).extracting(u -> u.event().idempotencyKey())
        .containsExactly("k1", "r1/000003.01ARZ3NDEKTSV4RRFFQ69G5FAV.json");
    // a restarted reader with the same key state adds nothing
    assertThat(read(run, seen, errors)).isEmpty();
  }

  @Test
  void subagentIsTheAgentNameElseTheTaskKind() throws IOException {
    Path run = JournalFixture.run(runs, "r1");
    JournalFixture.task(run, "EFF1", "{\"kind\":\"agent\",\"agent\":{\"name\":\"planner\"}}");
    JournalFixture.task(run, "EFF2", "{\"kind\":\"node\"}");
    JournalFixture.entry(run, 1, "COST_TRACKED",
        "{\"model\":\"m\",\"effectId\":\"EFF1\",\"taskKind\":\"agent\",\"sessionId\":\"s\"}");
    JournalFixture.entry(run, 2, "COST_TRACKED",
        "{\"model\":\"m\",\"effectId\":\"EFF2\",\"taskKind\":\"node\"}");
    JournalFixture.entry(run, 3, "COST_TRACKED",
        "{\"model\":\"m\",\"effectId\":\"NO-TASK-FILE\",\"taskKind\":\"shell\"}");
    JournalFixture.entry(run, 4, "COST_TRACKED",
        "{\"model\":\"m\",\"effectId\":\"../../etc\",\"taskKind\":\"agent\"}");
    JournalFixture.entry(run, 5, "COST_TRACKED", "{\"model\":\"m\"}");
    List<JournalUsage> got = read(run, new IdempotencyKeys(100), new ArrayList<>());
    assertThat(got).extracting(u -> u.event().subagent())
        .containsExactly("planner", "node", "shell", "agent", "main");
    assertThat(got.get(0).event().session()).isEqualTo("s");
    assertThat(got.get(0).event().run()).isEqualTo("r1");
  }

  @Test
  void runEndsAreReportedAndTheCursorMoves() throws IOException {
    Path run = JournalFixture.run(runs, "r1");
    JournalFixture.entry(run, 1, "RUN_CREATED", "{}");
    JournalFixture.entry(run, 2, "COST_TRACKED", "{\"model\":\"m\",\"outputTokens\":1}");
    JournalReader reader = new JournalReader();
    IdempotencyKeys seen = new IdempotencyKeys(100);
    List<Object> got = new ArrayList<>();
    JournalListener listener = new JournalListener() {
      @Override
      public void usage(JournalUsage u) {
        got.add(u.event().tokens().output());
      }

      @Override
      public void runEnded(RunEnd end) {
        got.add(end.type());
      }
    };
    String cursor = reader.read(run, null, seen, listener, e -> got.add(e));
    assertThat(cursor).startsWith("000002.");
    JournalFixture.entry(run, 3, "RUN_HALTED", "{}");
    cursor = reader.read(run, cursor, seen, listener, e -> got.add(e));
    assertThat(cursor).startsWith("000003.");
    assertThat(got).containsExactly(1L, "RUN_HALTED");
  }

  static List<JournalUsage> read(Path run, IdempotencyKeys seen, List<IngestError> errors) {
    List<JournalUsage> out = new ArrayList<>();
    new JournalReader().read(run, null, seen, out::add, errors::add);
    return out;
  }
}
