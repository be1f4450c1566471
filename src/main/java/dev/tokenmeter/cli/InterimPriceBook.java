package dev.tokenmeter.cli;

import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.Prices;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.regex.Pattern;

/**
 * INTERIM: the four models the demo uses, at their list prices (USD per million tokens). The
 * pricing branch brings the bundled default book ({@code DefaultPriceBook}) and the price file
 * loaders; when it is merged, {@link #get()} is the one place to replace (with the default book,
 * overridden by {@code --prices}).
 */
final class InterimPriceBook {

  private InterimPriceBook() {}

  static PriceBook get() {
    return PriceBook.of(
        List.of(
            model("claude-opus-4-5", "anthropic", "5", "25", "0.5", "6.25", "10", null),
            model("claude-sonnet-4-5", "anthropic", "3", "15", "0.3", "3.75", "6",
                prices("6", "22.5", "0.6", "7.5", "12")),
            // OpenAI charges no cache writes: written tokens are plain input.
            model("gpt-4.1", "openai", "2", "8", "0.5", "2", "2", null),
            // Cache prices not set here for Gemini: billed as input, never below it.
            model("gemini-2.5-pro", "google", "1.25", "10", "1.25", "1.25", "1.25",
                prices("2.5", "15", "2.5", "2.5", "2.5"))),
        "interim demo prices", LocalDate.of(2026, 12, 1));
  }

  private static ModelPrice model(
      String name, String provider, String in, String out, String cacheRead, String write5m, String write1h, Prices longContext) {
    ModelPrice.Builder b =
        ModelPrice.builder(name)
            .provider(provider)
            .match(Pattern.compile("(?i)^" + Pattern.quote(name)))
            .base(prices(in, out, cacheRead, write5m, write1h));
    if (longContext != null) {
      b.longContext(200_000, longContext);
    }
    return b.build();
  }

  private static Prices prices(String in, String out, String cacheRead, String write5m, String write1h) {
    return Prices.builder()
        .input(new BigDecimal(in))
        .output(new BigDecimal(out))
        .cacheRead(new BigDecimal(cacheRead))
        .cacheWrite5m(new BigDecimal(write5m))
        .cacheWrite1h(new BigDecimal(write1h))
        .build();
  }
}
