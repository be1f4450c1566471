package dev.tokenmeter.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenmeter.usage.TokenType;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiteLlmPriceFileTest {

  private static LoadResult real;

  @BeforeAll
  static void loadRealFile() throws Exception {
    real = PriceBookLoader.load(SharedData.litellm());
  }

  @Test
  void realFileLoadsEveryEntryWithTokenPrices() {
    // Derived independently with Python over the same file:
    //   d = json.load(f); ok = lambda k, v: isinstance(v, dict) and k != 'sample_spec'
    //       and 'input_cost_per_token' in v and ('output_cost_per_token' in v or v.get('mode') == 'embedding')
    //   len(d) == 2985, sum(ok) == 2500, the other 485 are skipped (last_updated and sample_spec included).
    assertThat(real.format()).isEqualTo(LoadResult.Format.LITELLM);
    assertThat(real.loaded()).isEqualTo(2500);
    assertThat(real.skipped()).isEqualTo(485);
    assertThat(real.skippedEntries())
        .extracting(LoadResult.Skipped::name)
        .contains("sample_spec", "last_updated", "twelvelabs.pegasus-1-2-v1:0", "gpt-image-1");
    assertThat(real.skippedEntries())
        .filteredOn(s -> s.name().equals("twelvelabs.pegasus-1-2-v1:0"))
        .singleElement()
        .satisfies(s -> {
          assertThat(s.line()).isEqualTo(661);
          assertThat(s.reason()).startsWith("output price per token only");
        });
    assertThat(real.book().checkedOn()).isNull();
  }

  @Test
  void claudeSonnet45HasExactPerMillionPricesAndItsLongContextTier() {
    ModelPrice m = real.book().find("claude-sonnet-4-5");
    assertThat(m.name()).isEqualTo("claude-sonnet-4-5");
    assertThat(m.provider()).isEqualTo("anthropic");
    assertPrices(m.base(), "3", "15", "0.3", "3.75", "6");
    assertThat(m.longContextAbove()).isEqualTo(200_000);
    assertPrices(m.longContext(), "6", "22.5", "0.6", "7.5", "12");
  }

  @Test
  void otherRealEntries() {
    ModelPrice gemini = real.book().find("gemini/gemini-2.5-pro");
    assertThat(gemini.provider()).isEqualTo("gemini");
    // No cache write prices for the base tier: they fall back to input (Prices' rule).
    assertPrices(gemini.base(), "1.25", "10", "0.125", "1.25", "1.25");
    assertPrices(gemini.longContext(), "2.5", "15", "0.25", "2.5", "2.5");

    ModelPrice nano = real.book().find("gpt-5-nano");
    assertPrices(nano.base(), "0.05", "0.4", "0.005", "0.05", "0.05");
    assertThat(nano.longContext()).isNull();

    // An embedding with only an input price: loaded, output 0 (it has no output tokens).
    ModelPrice embed = real.book().find("mistral/mistral-embed");
    assertThat(embed.base().perMillion(TokenType.INPUT)).isEqualByComparingTo("0.1");
    assertThat(embed.base().perMillion(TokenType.OUTPUT)).isEqualByComparingTo("0");

    // An input tier at 128k without an output price is no tier.
    assertThat(real.book().find("gemini/gemini-1.5-flash").longContext()).isNull();
  }

  @Test
  void lowestThresholdWithInputAndOutputIsTheTier(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("prices.json");
    Files.writeString(f, "{\n"
        + "  \"m\": {\n"
        + "    \"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 2e-6,\n"
        + "    \"input_cost_per_token_above_128k_tokens\": 5e-6,\n"
        + "    \"input_cost_per_token_above_200k_tokens\": 3e-6,\n"
        + "    \"output_cost_per_token_above_200k_tokens\": 4e-6,\n"
        + "    \"input_cost_per_token_above_272k_tokens\": 7e-6,\n"
        + "    \"output_cost_per_token_above_272k_tokens\": 8e-6,\n"
        + "    \"input_cost_per_token_above_200k_tokens_priority\": 9e-6,\n"
        + "    \"output_cost_per_token_above_200k_tokens_priority\": 9e-6\n"
        + "  }\n"
        + "}\n");
    ModelPrice m = PriceBookLoader.load(f).book().find("m");
    assertThat(m.longContextAbove()).isEqualTo(200_000);
    assertPrices(m.longContext(), "3", "4", "3", "3", "3");
  }

  @Test
  void priceOfWrongTypeNamesLineAndField(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("litellm.json");
    Files.writeString(f, "{\n"
        + "  \"a\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 2e-6},\n"
        + "  \"b\": {\n"
        + "    \"input_cost_per_token\": 1e-6,\n"
        + "    \"output_cost_per_token\": \"cheap\"\n"
        + "  }\n"
        + "}\n");
    assertThatThrownBy(() -> PriceBookLoader.load(f))
        .isInstanceOf(PriceFileException.class)
        .hasMessage(f + ":5: b.output_cost_per_token: expected a number, got \"cheap\"")
        .satisfies(e -> assertThat(((PriceFileException) e).line()).isEqualTo(5));
  }

  @Test
  void negativePriceIsRejected(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("litellm.json");
    Files.writeString(f, "{\n  \"a\": {\n    \"input_cost_per_token\": -1e-6,\n"
        + "    \"output_cost_per_token\": 2e-6}\n}\n");
    assertThatThrownBy(() -> PriceBookLoader.load(f))
        .hasMessage(f + ":3: a.input_cost_per_token: a price must not be negative, got -1e-6");
  }

  @Test
  void malformedJsonNamesLineAndEntry(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("litellm.json");
    Files.writeString(f, "{\n"
        + "  \"a\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 2e-6},\n"
        + "  \"b\": {\n"
        + "    \"input_cost_per_token\": 1e-6,\n"
        + "    \"output_cost_per_token\": 2e-6,,\n"
        + "  }\n"
        + "}\n");
    assertThatThrownBy(() -> PriceBookLoader.load(f))
        .isInstanceOf(PriceFileException.class)
        .hasMessageStartingWith(f + ":5: b: invalid JSON: ");
  }

  static void assertPrices(Prices p, String in, String out, String read, String w5, String w1) {
    assertThat(p.perMillion(TokenType.INPUT)).isEqualByComparingTo(new BigDecimal(in));
    assertThat(p.perMillion(TokenType.OUTPUT)).isEqualByComparingTo(new BigDecimal(out));
    assertThat(p.perMillion(TokenType.CACHE_READ)).isEqualByComparingTo(new BigDecimal(read));
    assertThat(p.perMillion(TokenType.CACHE_WRITE_5M)).isEqualByComparingTo(new BigDecimal(w5));
    assertThat(p.perMillion(TokenType.CACHE_WRITE_1H)).isEqualByComparingTo(new BigDecimal(w1));
  }
}
