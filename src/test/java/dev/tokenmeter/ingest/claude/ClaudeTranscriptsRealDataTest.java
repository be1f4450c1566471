package dev.tokenmeter.ingest.claude;

import static dev.tokenmeter.ingest.stats.Rows.assertGroups;
import static dev.tokenmeter.ingest.stats.Rows.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.ingest.Position;
import dev.tokenmeter.ingest.SharedData;
import dev.tokenmeter.ingest.stats.Dimension;
import dev.tokenmeter.ingest.stats.StatsQuery;
import dev.tokenmeter.ingest.stats.TokenStats;
import dev.tokenmeter.ingest.stats.TokenStatsScanner;
import dev.tokenmeter.usage.TokenCounts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Totals over the real transcripts in {@code shared/data/claude-transcripts/}.
 *
 * <p>The expected numbers were not produced by the code under test. They are the output of
 * {@code src/test/resources/ingest/expected_totals.py} (run as {@code python3
 * src/test/resources/ingest/expected_totals.py ../shared/data}), a separate 80-line script that
 * reads the JSONL with Python's json module and applies the rule of DESIGN section 8 on its own:
 * one call per (message.id, requestId), each count the largest over the copies; cache writes
 * split by {@code cache_creation}, else all 5m; {@code <synthetic>} zero lines skipped; label from
 * the meta file's agentType, else {@code subagent} for sidechains and agent files, else
 * {@code main}. The rows were pasted from its output.
 *
 * <p>What they cover: 656 assistant lines are 335 responses (streamed copies of up to 8 lines);
 * {@code ef958aa1} has six {@code subagents/} files with meta ({@code general-purpose}); {@code
 * 29ccd257} has a subagents file without meta; {@code -src-deep-manifest/agent-*.jsonl} is the
 * flat layout (session {@code a7da6a22}); {@code 5c0375b4} and {@code fe5e1c67} carry sidechains
 * inline; {@code cbc0f75b} is the 1.0.55 transcript without the 5m/1h split (all 5m); {@code
 * ef958aa1} and {@code 03eb5929} write 1h cache.
 */
class ClaudeTranscriptsRealDataTest {

  private static TokenStats scan(String dir, Dimension by) {
    return TokenStatsScanner.scan(StatsQuery.builder()
        .claudeDir(SharedData.resolve("claude-transcripts/" + dir))
        .groupBy(by == null ? List.of() : List.of(by))
        .build());
  }

  @Test
  void claudeCodeLogByModel() {
    TokenStats s = scan("claude-code-log", Dimension.MODEL);
    assertThat(s.errors()).isEmpty();
    assertGroups(s,
        row("claude-haiku-4-5-20251001", 16, 5335, 858, 361330, 84251, 0),
        row("claude-opus-4-1-20250805", 8, 25, 560, 146034, 9489, 0),
        row("claude-opus-4-20250514", 10, 64, 3443, 287440, 28310, 0),
        row("claude-opus-4-5-20251101", 2, 2, 2, 36009, 7996, 0),
        row("claude-opus-4-6", 9, 23, 88, 239606, 0, 9036),
        row("claude-opus-4-7", 83, 2546, 53458, 2455695, 296384, 102189),
        row("claude-sonnet-4-20250514", 10, 39, 199, 225234, 14142, 0));
    assertThat(s.totals().calls()).isEqualTo(138);
    assertThat(s.totals().tokens()).isEqualTo(TokenCounts.of(8034, 58608, 3751348, 440572, 111225));
  }

  @Test
  void claudeCodeLogBySession() {
    assertGroups(scan("claude-code-log", Dimension.RUN),
        row("03eb5929-52b3-4b13-ada3-b93ae35806b8", 9, 23, 88, 239606, 0, 9036),
        row("29ccd257-68b1-427f-ae5f-6524b7cb6f20", 12, 4468, 20, 272977, 50764, 0),
        row("a7da6a22-facc-4fcd-8bab-f83c87862004", 6, 869, 840, 124362, 41483, 0),
        row("b25638d7-b104-4f06-a797-70ac33d069ed", 18, 64, 759, 371268, 23631, 0),
        // the 1.0.55 transcript: no cache_creation split, so every cache write is a 5m write
        row("cbc0f75b-b36d-4efd-a7da-ac800ea30eb6", 10, 64, 3443, 287440, 28310, 0),
        row("ef958aa1-0e93-49f0-bb71-150f63befcd1", 83, 2546, 53458, 2455695, 296384, 102189));
    // session and run are the same thing for Claude Code
    assertThat(scan("claude-code-log", Dimension.SESSION).groups())
        .extracting(r -> r.key().get(Dimension.SESSION))
        .containsExactly("03eb5929-52b3-4b13-ada3-b93ae35806b8",
            "29ccd257-68b1-427f-ae5f-6524b7cb6f20", "a7da6a22-facc-4fcd-8bab-f83c87862004",
            "b25638d7-b104-4f06-a797-70ac33d069ed", "cbc0f75b-b36d-4efd-a7da-ac800ea30eb6",
            "ef958aa1-0e93-49f0-bb71-150f63befcd1");
  }

  @Test
  void claudeCodeLogBySubagent() {
    assertGroups(scan("claude-code-log", Dimension.SUBAGENT),
        row("general-purpose", 66, 1238, 30557, 1727035, 296384, 0),
        row("main", 56, 1461, 27193, 1662983, 59937, 111225),
        row("subagent", 16, 5335, 858, 361330, 84251, 0));
  }

  @Test
  void inlineSidechainsOfClaudeCodeViewer() {
    assertGroups(scan("claude-code-viewer", Dimension.RUN),
        row("1af7fc5e-8455-4414-9ccd-011d40f70b2a", 7, 93, 953, 103219, 12698, 0),
        row("5c0375b4-57a5-4f26-b12d-d022ee4e51b7", 20, 129, 3629, 324259, 47747, 0),
        row("fe5e1c67-53e7-4862-81ae-d0e013e3270b", 170, 818, 51933, 3647854, 137976, 0));
    assertGroups(scan("claude-code-viewer", Dimension.SUBAGENT),
        row("main", 26, 530, 5592, 454793, 45444, 0),
        row("subagent", 171, 510, 50923, 3620539, 152977, 0));
    TokenStats all = scan("claude-code-viewer", null);
    assertThat(all.totals().calls()).isEqualTo(197);
    assertThat(all.totals().tokens()).isEqualTo(TokenCounts.of(1040, 56515, 4075332, 198421, 0));
  }

  @Test
  void readingAFileTwiceCountsNothingTwice() {
    Path f = SharedData.resolve("claude-transcripts/claude-code-log/-experiments-worktrees/"
        + "ef958aa1-0e93-49f0-bb71-150f63befcd1.jsonl");
    TranscriptReader reader = new TranscriptReader();
    ResponseDedupe<String> dedupe = new ResponseDedupe<>();
    List<ResponseDedupe.Counted<String>> counted = new ArrayList<>();
    for (int pass = 0; pass < 2; pass++) {
      reader.read(TranscriptFile.session(f), Position.START, c -> {
        ResponseDedupe.Counted<String> x = dedupe.offer(c, ClaudeCall::subagent);
        if (x != null) {
          counted.add(x);
        }
      }, e -> { throw new AssertionError(e.toString()); });
    }
    // expected_totals.py: ef958aa1 has 83 calls, 66 of them in its general-purpose subagent
    // files, so 17 in the session file; all of the session's 1h writes (102189) are the main's.
    assertThat(counted.stream().filter(ResponseDedupe.Counted::isNewCall)).hasSize(17);
    TokenCounts sum = counted.stream().map(ResponseDedupe.Counted::added)
        .reduce(TokenCounts.ZERO, TokenCounts::plus);
    assertThat(sum.cacheWrite1h()).isEqualTo(102189);
  }
}
