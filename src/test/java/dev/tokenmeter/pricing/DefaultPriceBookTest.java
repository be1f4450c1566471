package dev.tokenmeter.pricing;

import static dev.tokenmeter.pricing.LiteLlmPriceFileTest.assertPrices;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DefaultPriceBookTest {

  private final PriceBook book = DefaultPriceBook.load();

  @Test
  void coversTheListedModelsWithTheirCheckDate() {
    assertThat(book.checkedOn()).isEqualTo(LocalDate.of(2026, 7, 24));
    assertThat(book.models()).extracting(ModelPrice::name).contains(
        "claude-opus-4", "claude-opus-4-1", "claude-opus-4-5", "claude-opus-4-6", "claude-opus-4-7",
        "claude-sonnet-4", "claude-sonnet-4-5", "claude-haiku-4-5", "claude-3-5-sonnet",
        "claude-3-5-haiku", "claude-3-7-sonnet", "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini",
        "gpt-4.1-nano", "o3", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano", "gemini-2.5-pro",
        "gemini-2.5-flash", "gemini-2.5-flash-lite");
    assertThat(book.find("gemini-2.5-pro").longContextAbove()).isEqualTo(200_000);
  }

  @Test
  void pricesAreLiteLlmsWhereItHasThem() throws Exception {
    PriceBook litellm = PriceBookLoader.load(SharedData.litellm()).book();
    // The default name to LiteLLM's entry where the names differ.
    Map<String, String> entry = Map.of(
        "claude-opus-4", "claude-opus-4-20250514",
        "claude-sonnet-4", "claude-sonnet-4-20250514",
        "claude-3-7-sonnet", "claude-3-7-sonnet-20250219",
        "gemini-2.5-pro", "gemini/gemini-2.5-pro",
        "gemini-2.5-flash", "gemini/gemini-2.5-flash",
        "gemini-2.5-flash-lite", "gemini/gemini-2.5-flash-lite");
    // Where LiteLLM lacks a price, the default book's comments say what it uses instead.
    Set<String> documentedGaps = Set.of("claude-3-5-sonnet", "claude-3-5-haiku");
    int compared = 0;
    for (ModelPrice m : book.models()) {
      if (documentedGaps.contains(m.name())) {
        continue;
      }
      ModelPrice l = litellm.find(entry.getOrDefault(m.name(), m.name()));
      if (l == null) {
        continue; // aliases such as "haiku" are not entries there
      }
      assertThat(m.base()).as(m.name()).isEqualTo(l.base());
      if (!m.name().equals("claude-sonnet-4")) { // its 1-hour tier price is documented as a gap
        assertThat(m.longContextAbove()).as(m.name()).isEqualTo(l.longContextAbove());
        assertThat(m.longContext()).as(m.name()).isEqualTo(l.longContext());
      }
      compared++;
    }
    assertThat(compared).isEqualTo(book.size() - documentedGaps.size());
  }

  @Test
  void userBookOverridesModelByModel() {
    PriceBook user = PriceBookLoader.parse(
        "version: 1\nmodels:\n  - name: claude-sonnet-4-5\n    per_million: {input: 1, output: 2}\n"
            + "  - name: in-house\n    per_million: {input: 0.5, output: 0.5}\n", "user.yaml").book();
    PriceBook merged = DefaultPriceBook.withOverrides(user);
    assertPrices(merged.find("claude-sonnet-4-5-20250929").base(), "1", "2", "1", "1", "1");
    assertThat(merged.find("claude-sonnet-4-5").longContext()).isNull();
    assertThat(merged.find("in-house")).isNotNull();
    assertPrices(merged.find("claude-opus-4-7").base(), "5", "25", "0.5", "6.25", "10");
    assertThat(merged.size()).isEqualTo(book.size() + 1);
  }
}
