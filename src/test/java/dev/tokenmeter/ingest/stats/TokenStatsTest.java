package dev.tokenmeter.ingest.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.Prices;
import dev.tokenmeter.usage.TokenCounts;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Grouping, filters, pricing and the three renderers, over small hand-written inputs. */
class TokenStatsTest {

  private static final String SONNET = "claude-sonnet-4-5-20250929";

  /** Sonnet 4.5 as DESIGN section 3 prices it, with its long-context tier. */
  static final PriceBook BOOK = PriceBook.of(List.of(ModelPrice.builder("claude-sonnet-4-5")
      .match(Pattern.compile("(?i)^claude-sonnet-4-5"))
      .base(prices("3", "15", "0.30", "3.75", "6"))
      .longContext(200_000, prices("6", "22.50", "0.60", "7.50", "12"))
      .build()), "test", null);

  @TempDir
  Path tmp;

  private Path claude;
  private Path runs;

  private static Prices prices(String in, String out, String read, String w5, String w1) {
    return Prices.builder().input(new BigDecimal(in)).output(new BigDecimal(out))
        .cacheRead(new BigDecimal(read)).cacheWrite5m(new BigDecimal(w5))
        .cacheWrite1h(new BigDecimal(w1)).build();
  }

  private static String line(String id, String session, String model, String at, long input,
      long output, long cacheRead, String extra) {
    return "{\"type\":\"assistant\",\"sessionId\":\"" + session + "\",\"requestId\":\"req-" + id
        + "\",\"timestamp\":\"" + at + "\"" + extra + ",\"message\":{\"id\":\"" + id
        + "\",\"model\":\"" + model + "\",\"usage\":{\"input_tokens\":" + input
        + ",\"output_tokens\":" + output + ",\"cache_read_input_tokens\":" + cacheRead
        + ",\"cache_creation_input_tokens\":0}}}\n";
  }

  @BeforeEach
  void setUp() throws IOException {
    claude = Files.createDirectories(tmp.resolve("projects/-work"));
    Files.writeString(claude.resolve("s1.jsonl"),
        // small request: 1000 in, 100 out, 9000 cache read, base prices
        line("m1", "s1", SONNET, "2026-03-01T10:00:00Z", 1000, 100, 9000, "")
        // a long-context request streamed twice: 250k in, 10 then 100 out
        + line("m2", "s1", SONNET, "2026-03-01T23:59:59Z", 250_000, 10, 0, "")
        + line("m2", "s1", SONNET, "2026-03-02T00:00:01Z", 250_000, 100, 0, "")
        // a model the book does not know
        + line("m3", "s1", "mystery-model", "2026-03-02T08:00:00Z", 40, 2, 0, ""));
    Files.writeString(claude.resolve("s2.jsonl"),
        line("m4", "s2", SONNET, "2026-03-02T09:00:00Z", 10, 10, 0, ",\"costUSD\":0.5"));
    runs = tmp.resolve("runs");
    Path journal = Files.createDirectories(runs.resolve("r1/journal"));
    // one COST_TRACKED summing several calls: 250k input, priced at base prices
    Files.writeString(journal.resolve("000001.01ARZ3NDEKTSV4RRFFQ69G5FAV.json"),
        "{\"type\":\"COST_TRACKED\",\"recordedAt\":\"2026-03-02T12:00:00Z\",\"data\":{\"model\":\""
            + SONNET + "\",\"inputTokens\":250000,\"outputTokens\":100,\"taskKind\":\"agent\","
            + "\"sessionId\":\"s9\"}}");
  }

  private StatsQuery.Builder query() {
    return StatsQuery.builder().claudeDir(tmp.resolve("projects")).runsDir(runs).priceBook(BOOK);
  }

  @Test
  void pricesPerRequestForTranscriptsAndAtBaseForJournals() {
    TokenStats s = TokenStatsScanner.scan(query().costMode(CostMode.CALCULATE)
        .groupBy(Dimension.parseList("run,model")).build());
    assertThat(s.errors()).isEmpty();
    // s1/sonnet: (1000*3 + 100*15 + 9000*0.30)/1e6 = 0.0072, plus the long-context request at
    // the tier: (250000*6 + 100*22.5)/1e6 = 1.50225; streaming did not count it twice
    assertThat(Rows.of(s)).containsExactly(
        "r1|" + SONNET + " calls=1 " + TokenCounts.of(250_000, 100, 0, 0, 0),
        "s1|" + SONNET + " calls=2 " + TokenCounts.of(251_000, 200, 9000, 0, 0),
        "s1|mystery-model calls=1 " + TokenCounts.of(40, 2, 0, 0, 0),
        "s2|" + SONNET + " calls=1 " + TokenCounts.of(10, 10, 0, 0, 0));
    assertThat(s.groups()).extracting(StatsRow::costUsd).containsExactly(
        new BigDecimal("0.7515"), // (250000*3 + 100*15)/1e6: base prices, no tier for journals
        new BigDecimal("1.50945"),
        null, // unknown, never zero
        new BigDecimal("0.00018"));
    assertThat(s.totals().costUsd()).isEqualByComparingTo("2.26113");
    assertThat(s.totals().unpricedTokens()).isEqualTo(42);
    assertThat(s.unpriced()).extracting(UnpricedModel::model, UnpricedModel::tokens)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("mystery-model", TokenCounts.of(40, 2, 0, 0, 0)));
    // cache share of s1/sonnet: 9000 / (251000 + 9000)
    assertThat(s.groups().get(1).cacheShare()).isEqualByComparingTo("0.0346");
  }

  @Test
  void costModes() {
    StatsQuery.Builder q = query().models(Set.of(SONNET)).runs(Set.of("s2"));
    assertThat(TokenStatsScanner.scan(q.costMode(CostMode.CALCULATE).build()).totals().costUsd())
        .isEqualByComparingTo("0.00018");
    assertThat(TokenStatsScanner.scan(q.costMode(CostMode.REPORTED).build()).totals().costUsd())
        .isEqualByComparingTo("0.5");
    assertThat(TokenStatsScanner.scan(q.costMode(CostMode.AUTO).build()).totals().costUsd())
        .isEqualByComparingTo("0.5");
    // reported mode, a call without a reported cost: unpriced, not zero
    TokenStats s1 = TokenStatsScanner.scan(query().runs(Set.of("s1")).models(Set.of(SONNET))
        .costMode(CostMode.REPORTED).build());
    assertThat(s1.totals().costUsd()).isNull();
    assertThat(s1.unpriced()).extracting(UnpricedModel::model).containsExactly(SONNET);
  }

  @Test
  void groupsByDayAndFiltersByTime() {
    TokenStats byDay = TokenStatsScanner.scan(query().groupBy(List.of(Dimension.DAY)).build());
    // the streamed request is on the day of its first copy
    assertThat(Rows.of(byDay)).extracting(r -> r.substring(0, r.indexOf(" ")))
        .containsExactly("2026-03-01", "2026-03-02");
    assertThat(byDay.groups()).extracting(StatsRow::calls).containsExactly(2L, 3L);
    TokenStats window = TokenStatsScanner.scan(query()
        .since(Instant.parse("2026-03-02T00:00:00Z"))
        .until(Instant.parse("2026-03-02T09:00:00Z")).build());
    assertThat(window.totals().calls()).isEqualTo(1); // m3 only: until is exclusive
    assertThat(window.totals().tokens()).isEqualTo(TokenCounts.of(40, 2, 0, 0, 0));
  }

  @Test
  void subagentAndSessionGrouping() {
    TokenStats s = TokenStatsScanner.scan(query().groupBy(Dimension.parseList("session,subagent")).build());
    assertThat(Rows.of(s)).extracting(r -> r.substring(0, r.indexOf(" "))).containsExactly(
        "s1|main", "s2|main", "s9|agent");
    assertThatThrownBy(() -> Dimension.parseList("run,colour"))
        .hasMessageContaining("unknown group 'colour'");
    assertThatThrownBy(() -> Dimension.parseList("run,run")).hasMessageContaining("twice");
  }

  @Test
  void jsonHasTheContractFieldsAndMoneyAsStrings() throws IOException {
    TokenStats s = TokenStatsScanner.scan(query().costMode(CostMode.CALCULATE)
        .groupBy(Dimension.parseList("run,model")).build());
    JsonNode root = new ObjectMapper().readTree(StatsJson.render(s));
    JsonNode totals = root.get("totals");
    assertThat(totals.get("calls").asLong()).isEqualTo(5);
    assertThat(totals.get("costUsd").isTextual()).isTrue();
    assertThat(totals.get("costUsd").textValue()).isEqualTo("2.26113");
    assertThat(totals.get("tokens").fieldNames()).toIterable().containsExactly(
        "input", "output", "cache_read", "cache_write_5m", "cache_write_1h");
    assertThat(totals.get("tokens").get("input").asLong()).isEqualTo(501_050);
    JsonNode groups = root.get("groups");
    assertThat(groups).hasSize(4);
    assertThat(groups.get(0).get("run").textValue()).isEqualTo("r1");
    assertThat(groups.get(0).get("model").textValue()).isEqualTo(SONNET);
    assertThat(groups.get(0).get("costUsd").textValue()).isEqualTo("0.7515");
    assertThat(groups.get(2).get("costUsd").isNull()).isTrue();
    assertThat(root.get("unpriced").get(0).get("model").textValue()).isEqualTo("mystery-model");
    assertThat(root.get("unpriced").get(0).get("tokens").get("output").asLong()).isEqualTo(2);
    assertThat(root.get("errorCount").asLong()).isZero();
  }

  @Test
  void csvHeaderAndRows() {
    TokenStats s = TokenStatsScanner.scan(query().costMode(CostMode.CALCULATE)
        .groupBy(Dimension.parseList("run,model")).build());
    String[] lines = StatsCsv.render(s).split("\r\n");
    assertThat(lines[0]).isEqualTo("run,model,calls,input,output,cache_read,cache_write_5m,"
        + "cache_write_1h,cost_usd,unpriced_tokens,cache_share");
    assertThat(lines).hasSize(5);
    assertThat(lines[1]).isEqualTo("r1," + SONNET + ",1,250000,100,0,0,0,0.7515,0,0.0000");
    assertThat(lines[3]).isEqualTo("s1,mystery-model,1,40,2,0,0,0,,42,0.0000");
    assertThat(StatsCsv.quote("a,\"b\"")).isEqualTo("\"a,\"\"b\"\"\"");
  }

  @Test
  void tableShowsUnpricedNeverZero() {
    TokenStats s = TokenStatsScanner.scan(query().costMode(CostMode.CALCULATE)
        .groupBy(Dimension.parseList("model")).build());
    String table = StatsTable.render(s);
    assertThat(table.lines().findFirst().orElseThrow())
        .startsWith("MODEL").contains("CALLS", "COST_USD", "CACHE_SHARE");
    assertThat(table).contains("mystery-model").contains("unpriced").contains("2.261130+?");
    assertThat(table.lines().filter(l -> l.startsWith("mystery-model")).findFirst().orElseThrow())
        .doesNotContain("0.000000");
  }
}
