package dev.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenmeter.ingest.SharedData;
import dev.tokenmeter.ingest.stats.StatsQuery;
import dev.tokenmeter.ingest.stats.TokenStats;
import dev.tokenmeter.ingest.stats.TokenStatsScanner;
import dev.tokenmeter.pricing.DefaultPriceBook;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tokens:stats} run as the command line runs it, over the real transcripts and journals. */
class TokensStatsCommandTest {

  static final String LOG = "claude-transcripts/claude-code-log";

  @TempDir
  Path tmp;

  record Result(int exit, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = new CommandLine(new TokensStatsCommand());
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    int exit = cmd.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  static String dir(String shared) {
    return SharedData.resolve(shared).toString();
  }

  static JsonNode json(Result r) throws Exception {
    assertThat(r.exit()).as(r.err()).isZero();
    return new ObjectMapper().readTree(r.out());
  }

  @Test
  void jsonOverTheRealTranscriptsHasTheScannersTotals() throws Exception {
    JsonNode totals = json(run("--claude-dir", dir(LOG), "--json")).get("totals");
    // The numbers ClaudeTranscriptsRealDataTest pins (from expected_totals.py).
    assertThat(totals.get("calls").asLong()).isEqualTo(138);
    JsonNode t = totals.get("tokens");
    assertThat(List.of(t.get("input").asLong(), t.get("output").asLong(),
        t.get("cache_read").asLong(), t.get("cache_write_5m").asLong(),
        t.get("cache_write_1h").asLong()))
        .containsExactly(8034L, 58608L, 3751348L, 440572L, 111225L);
    TokenStats direct = TokenStatsScanner.scan(StatsQuery.builder()
        .claudeDir(SharedData.resolve(LOG)).priceBook(DefaultPriceBook.load()).build());
    assertThat(new BigDecimal(totals.get("costUsd").asText()))
        .isEqualByComparingTo(direct.totals().costUsd());
  }

  @Test
  void csvHasItsHeaderAndOneRowPerModelAndDay() {
    Result r = run("--claude-dir", dir(LOG), "--csv", "--by", "model,day");
    assertThat(r.exit()).isZero();
    String[] lines = r.out().split("\r\n");
    assertThat(lines[0]).isEqualTo("model,day,calls,input,output,cache_read,cache_write_5m,"
        + "cache_write_1h,cost_usd,unpriced_tokens,cache_share");
    assertThat(lines).hasSize(1 + 8);
    assertThat(lines[1]).startsWith("claude-haiku-4-5-20251001,2025-11-29,6,869,840,124362,41483,0,");
    assertThat(lines[7]).startsWith("claude-opus-4-7,2026-04-18,83,");
  }

  @Test
  void tableByDefault() {
    Result r = run("--claude-dir", dir(LOG), "--by", "subagent");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("SUBAGENT", "general-purpose", "main", "TOTAL");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void filtersByModelRunAndTime() throws Exception {
    assertThat(json(run("--claude-dir", dir(LOG), "--json", "--model", "claude-opus-4-7"))
        .at("/totals/calls").asLong()).isEqualTo(83);
    assertThat(json(run("--claude-dir", dir(LOG), "--json",
        "--run", "03eb5929-52b3-4b13-ada3-b93ae35806b8,cbc0f75b-b36d-4efd-a7da-ac800ea30eb6"))
        .at("/totals/calls").asLong()).isEqualTo(9 + 10);
    // Days: 2025-07-19 (10), 2025-09-29 (18), 2025-11-29 (6), 2026-01-23 (12), 2026-02-16 (9),
    // 2026-04-18 (83). A date as --until includes that day.
    assertThat(json(run("--claude-dir", dir(LOG), "--json", "--until", "2025-09-29"))
        .at("/totals/calls").asLong()).isEqualTo(28);
    assertThat(json(run("--claude-dir", dir(LOG), "--json", "--since", "2026-01-23",
        "--until", "2026-02-16T23:59:59Z")).at("/totals/calls").asLong()).isEqualTo(21);
  }

  @Test
  void journalsAloneAndTheWarningForBothSources() throws Exception {
    Result journals = run("--runs-dir", dir("babysitter-runs-sdk"), "--json", "--by", "run");
    JsonNode j = json(journals);
    assertThat(j.get("groups")).hasSize(2);
    assertThat(journals.err()).isEmpty();

    Result both = run("--runs-dir", dir("babysitter-runs-sdk"), "--claude-dir", dir(LOG), "--json");
    assertThat(both.exit()).isZero();
    assertThat(both.err()).contains("warning:", "counted twice");
    assertThat(json(both).at("/totals/calls").asLong())
        .isEqualTo(138 + j.at("/totals/calls").asLong());
  }

  @Test
  void pricesFromALiteLlmFileAndCostModes() throws Exception {
    Result r = run("--claude-dir", dir(LOG), "--json", "--prices",
        dir("litellm-model-prices-2026-07-24.json"), "--cost-mode", "calculate");
    assertThat(json(r).at("/totals/costUsd").asText()).isNotEmpty();
    assertThat(json(r).at("/costMode").asText()).isEqualTo("calculate");
    // The transcripts carry no costUSD: with reported costs only, everything is unpriced.
    JsonNode reported = json(run("--claude-dir", dir(LOG), "--json", "--cost-mode", "reported"));
    assertThat(reported.at("/totals/costUsd").isNull()).isTrue();
    assertThat(reported.at("/unpriced")).isNotEmpty();
  }

  @Test
  void badFlagsValuesAndDirectoriesExitTwo() throws Exception {
    Path file = Files.writeString(tmp.resolve("file"), "x");
    Path badPrices = Files.writeString(tmp.resolve("prices.yaml"), "version: 1\nmodels: 3\n");
    List<String[]> bad = new ArrayList<>();
    bad.add(new String[] {"--bogus"});
    bad.add(new String[] {"--claude-dir", tmp.resolve("missing").toString()});
    bad.add(new String[] {"--runs-dir", file.toString()});
    bad.add(new String[] {"--claude-dir", dir(LOG), "--json", "--csv"});
    bad.add(new String[] {"--claude-dir", dir(LOG), "--by", "model,colour"});
    bad.add(new String[] {"--claude-dir", dir(LOG), "--since", "yesterday"});
    bad.add(new String[] {"--claude-dir", dir(LOG), "--since", "2026-02-01", "--until", "2026-01-01"});
    bad.add(new String[] {"--claude-dir", dir(LOG), "--cost-mode", "cheap"});
    bad.add(new String[] {"--claude-dir", dir(LOG), "--prices", tmp.resolve("none.yaml").toString()});
    bad.add(new String[] {"--claude-dir", dir(LOG), "--prices", badPrices.toString()});
    for (String[] args : bad) {
      Result r = run(args);
      assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.out()).as(String.join(" ", args)).isEmpty();
      assertThat(r.err()).as(String.join(" ", args)).isNotBlank();
    }
    assertThat(run("--claude-dir", tmp.resolve("missing").toString()).err())
        .contains("--claude-dir", "no such directory");
  }

  @Test
  void helpExitsZero() {
    Result r = run("--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("tokens:stats", "--runs-dir", "--claude-dir", "--by", "--since",
        "--until", "--run", "--model", "--json", "--csv", "--cost-mode", "--prices");
  }

  @Test
  void inputProblemsGoToStderrAndKeepJsonClean() throws Exception {
    Path slug = tmp.resolve("projects").resolve("-p");
    Files.createDirectories(slug);
    Files.writeString(slug.resolve("s.jsonl"), "{broken\n");
    Result r = run("--claude-dir", tmp.resolve("projects").toString(), "--json");
    assertThat(json(r).get("errorCount").asLong()).isEqualTo(1);
    assertThat(r.err()).contains("1 input problem", "s.jsonl:1:");
  }
}
