package dev.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.pricing.LoadResult;
import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.PriceBookLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PricesCommandTest {

  static final Path LITELLM =
      Path.of(System.getProperty("tokenmeter.sharedData", "../shared/data"), "litellm-model-prices-2026-07-24.json");

  @TempDir Path dir;

  @Test
  void checkReportsTheLiteLlmCountsAndExitsZero() throws Exception {
    LoadResult expected = PriceBookLoader.load(LITELLM);
    Cli c = Cli.run("prices", "check", LITELLM.toString());
    assertThat(c.exit).as(c.err()).isZero();
    assertThat(c.out()).contains("litellm, " + expected.loaded() + " models loaded, " + expected.skipped() + " entries skipped");
  }

  @Test
  void checkNamesFileLineAndFieldOfABadFileAndExitsOne() throws Exception {
    Path bad = dir.resolve("prices.yaml");
    Files.writeString(bad, "version: 1\nmodels:\n  - name: m\n    per_million: {input: 1, output: lots}\n");
    Cli c = Cli.run("prices", "check", bad.toString());
    assertThat(c.exit).isEqualTo(1);
    assertThat(c.err()).contains(bad + ":4:").contains("models[0].per_million.output");
  }

  @Test
  void importWritesNativeYamlThatLoadsBackToTheSamePrices() throws Exception {
    Path out = dir.resolve("anthropic.yaml");
    Cli c = Cli.run("prices", "import", LITELLM.toString(), "--match", "^claude-", "-o", out.toString());
    assertThat(c.exit).as(c.err()).isZero();

    PriceBook source = PriceBookLoader.load(LITELLM).book();
    LoadResult back = PriceBookLoader.load(out);
    assertThat(back.format()).isEqualTo(LoadResult.Format.NATIVE);
    assertThat(back.book().size()).isPositive();
    for (ModelPrice m : back.book().models()) {
      assertThat(m.name()).startsWith("claude-");
      ModelPrice original = source.models().stream().filter(o -> o.name().equals(m.name())).findFirst().orElseThrow();
      assertThat(m.base()).isEqualTo(original.base());
      assertThat(m.longContextAbove()).isEqualTo(original.longContextAbove());
      assertThat(m.longContext()).isEqualTo(original.longContext());
    }
    assertThat(back.book().find("claude-sonnet-4-5-20250929")).isNotNull();
  }

  @Test
  void listShowsTheUserFileOverTheBundledBook() throws Exception {
    Path mine = dir.resolve("mine.yaml");
    Files.writeString(mine, "version: 1\nmodels:\n  - name: claude-sonnet-4-5\n    per_million: {input: 1.5, output: 7.5}\n");
    Cli c = Cli.run("prices", "list", "--prices", mine.toString(), "--model", "claude-sonnet-4-5-20250929");
    assertThat(c.exit).as(c.err()).isZero();
    assertThat(c.out()).containsPattern("claude-sonnet-4-5 +1.5 +7.5 ");
    Cli unknown = Cli.run("prices", "list", "--model", "mystery-9");
    assertThat(unknown.exit).isEqualTo(1);
    assertThat(unknown.err()).contains("no price for model 'mystery-9'");
  }
}
