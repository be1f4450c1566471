package dev.tokenmeter.pricing;

import static dev.tokenmeter.pricing.LiteLlmPriceFileTest.assertPrices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativePriceFileTest {

  // DESIGN section 3's example, with checked_on.
  static final String EXAMPLE = String.join("\n",
      "# prices.yaml",
      "version: 1",
      "checked_on: 2026-07-24",
      "models:",
      "  - name: claude-sonnet-4-5",
      "    provider: anthropic",
      "    aliases: [claude-sonnet-4-5-latest]",
      "    match: '(?i)^claude-sonnet-4-5'",
      "    per_million: {input: 3.00, output: 15.00, cache_read: 0.30, cache_write_5m: 3.75, cache_write_1h: 6.00}",
      "    long_context:",
      "      above_tokens: 200000",
      "      per_million: {input: 6.00, output: 22.50, cache_read: 0.60, cache_write_5m: 7.50, cache_write_1h: 12.00}",
      "  - name: tiny",
      "    per_million: {input: 0.000001, output: 0.1}",
      "");

  @TempDir Path dir;

  @Test
  void designExampleLoads() throws Exception {
    LoadResult r = PriceBookLoader.load(write("prices.yaml", EXAMPLE));
    assertThat(r.format()).isEqualTo(LoadResult.Format.NATIVE);
    assertThat(r.loaded()).isEqualTo(2);
    assertThat(r.skipped()).isZero();
    assertThat(r.book().checkedOn()).isEqualTo(LocalDate.of(2026, 7, 24));
    ModelPrice m = r.book().find("claude-sonnet-4-5");
    assertThat(m.provider()).isEqualTo("anthropic");
    assertThat(m.aliases()).containsExactly("claude-sonnet-4-5-latest");
    assertPrices(m.base(), "3", "15", "0.3", "3.75", "6");
    assertThat(m.longContextAbove()).isEqualTo(200_000);
    assertPrices(m.longContext(), "6", "22.5", "0.6", "7.5", "12");
    // Exact from the text: a double would not give 1E-6 back with scale 6.
    assertThat(r.book().find("tiny").base().perMillion(dev.tokenmeter.usage.TokenType.INPUT))
        .isEqualTo(new java.math.BigDecimal("0.000001"));
    // Missing cache prices fall back to input.
    assertPrices(r.book().find("tiny").base(), "0.000001", "0.1", "0.000001", "0.000001", "0.000001");
  }

  @Test
  void notADecimal() throws Exception {
    assertRejected(EXAMPLE.replace("output: 22.50", "output: abc"),
        12, "models[0].long_context.per_million.output", "expected a decimal number, got \"abc\"");
  }

  @Test
  void briefsExampleMessage() throws Exception {
    Path f = write("prices.yaml", "version: 1\nmodels:\n  - name: a\n    per_million: {input: 1, output: 2}\n"
        + "  - name: b\n    per_million: {input: 1, output: 2}\n  - name: c\n    per_million:\n"
        + "      input: 1\n      output: abc\n");
    assertThatThrownBy(() -> PriceBookLoader.load(f))
        .hasMessage(f + ":10: models[2].per_million.output: expected a decimal number, got \"abc\"");
  }

  @Test
  void unknownKey() throws Exception {
    assertRejected(EXAMPLE.replace("    provider: anthropic", "    provder: anthropic"),
        6, "models[0].provder", "unknown key, expected one of [aliases, long_context, match, name, per_million, provider]");
  }

  @Test
  void missingNameInputOutput() throws Exception {
    assertRejected(EXAMPLE.replace("  - name: tiny\n", "  - provider: x\n"),
        13, "models[1].name", "required");
    assertRejected(EXAMPLE.replace("{input: 0.000001, output: 0.1}", "{output: 0.1}"),
        14, "models[1].per_million.input", "required");
    assertRejected(EXAMPLE.replace("{input: 0.000001, output: 0.1}", "{input: 1}"),
        14, "models[1].per_million.output", "required");
  }

  @Test
  void negativePrice() throws Exception {
    assertRejected(EXAMPLE.replace("cache_read: 0.30", "cache_read: -0.30"),
        9, "models[0].per_million.cache_read", "a price must not be negative, got -0.30");
  }

  @Test
  void badRegex() throws Exception {
    assertRejected(EXAMPLE.replace("'(?i)^claude-sonnet-4-5'", "'(claude'"),
        8, "models[0].match", "invalid regex \"(claude\": Unclosed group near index 7");
  }

  @Test
  void nonPositiveAboveTokens() throws Exception {
    assertRejected(EXAMPLE.replace("above_tokens: 200000", "above_tokens: 0"),
        11, "models[0].long_context.above_tokens", "must be positive, got 0");
    assertRejected(EXAMPLE.replace("above_tokens: 200000", "above_tokens: 2.5e5"),
        11, "models[0].long_context.above_tokens", "expected a whole number of tokens, got \"2.5e5\"");
  }

  @Test
  void duplicateNamesAndAliases() throws Exception {
    assertRejected(EXAMPLE.replace("name: tiny", "name: Claude-Sonnet-4-5"),
        13, "models[1].name", "duplicate model name \"Claude-Sonnet-4-5\", already given at models[0].name (line 5)");
    assertRejected(EXAMPLE.replace("name: tiny", "name: claude-sonnet-4-5-latest"),
        13, "models[1].name",
        "duplicate model name \"claude-sonnet-4-5-latest\", already given at models[0].aliases[0] (line 7)");
  }

  @Test
  void wrongOrMissingVersion() throws Exception {
    assertRejected(EXAMPLE.replace("version: 1", "version: 2"), 2, "version", "unsupported version \"2\", expected 1");
    assertRejected(EXAMPLE.replace("version: 1\n", ""), 2, "version", "required, expected 1");
  }

  @Test
  void badDateAndSyntax() throws Exception {
    assertRejected(EXAMPLE.replace("2026-07-24", "24.07.2026"), 3, "checked_on",
        "expected a date YYYY-MM-DD, got \"24.07.2026\"");
    Path f = write("prices.yaml", EXAMPLE.replace("    provider: anthropic", "    provider: [anthropic"));
    assertThatThrownBy(() -> PriceBookLoader.load(f))
        .isInstanceOf(PriceFileException.class)
        .hasMessageStartingWith(f + ":7: invalid YAML: ");
  }

  @Test
  void nativeBookInJsonSyntaxIsDetectedByContent() throws Exception {
    Path f = write("prices.json", "{\"models\": [{\"name\": \"m\", \"per_million\": {\"input\": 1.5, \"output\": 2}}],"
        + " \"version\": 1}");
    LoadResult r = PriceBookLoader.load(f);
    assertThat(r.format()).isEqualTo(LoadResult.Format.NATIVE);
    assertPrices(r.book().find("m").base(), "1.5", "2", "1.5", "1.5", "1.5");
    // and LiteLLM's format under a YAML name
    Path g = write("prices.yaml", "{\"x\": {\"input_cost_per_token\": 1.5e-6, \"output_cost_per_token\": 0.000002}}");
    LoadResult l = PriceBookLoader.load(g);
    assertThat(l.format()).isEqualTo(LoadResult.Format.LITELLM);
    assertPrices(l.book().find("x").base(), "1.5", "2", "1.5", "1.5", "1.5");
  }

  private void assertRejected(String yaml, int line, String field, String problem) throws Exception {
    Path f = write("prices.yaml", yaml);
    assertThatThrownBy(() -> PriceBookLoader.load(f))
        .isInstanceOf(PriceFileException.class)
        .hasMessage(f + ":" + line + ": " + field + ": " + problem)
        .satisfies(e -> {
          PriceFileException p = (PriceFileException) e;
          assertThat(p.line()).isEqualTo(line);
          assertThat(p.field()).isEqualTo(field);
        });
  }

  private Path write(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content);
  }
}
