package dev.tokenmeter;

import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.Prices;
import java.math.BigDecimal;
import java.util.List;

/** A small price book with the real list prices of two models, for tests of the core. */
final class TestPrices {

  static final String SONNET = "claude-sonnet-4-5";
  static final String OPUS = "claude-opus-4-5";

  private TestPrices() {}

  static Prices prices(String in, String out, String read, String w5, String w1) {
    return Prices.builder()
        .input(new BigDecimal(in))
        .output(new BigDecimal(out))
        .cacheRead(new BigDecimal(read))
        .cacheWrite5m(new BigDecimal(w5))
        .cacheWrite1h(new BigDecimal(w1))
        .build();
  }

  static PriceBook book() {
    return book("3", "15");
  }

  /** Sonnet at the given input and output prices (per million), opus at its list prices. */
  static PriceBook book(String sonnetIn, String sonnetOut) {
    ModelPrice sonnet =
        ModelPrice.builder(SONNET)
            .provider("anthropic")
            .base(prices(sonnetIn, sonnetOut, "0.30", "3.75", "6.00"))
            .longContext(200_000, prices("6.00", "22.50", "0.60", "7.50", "12.00"))
            .build();
    ModelPrice opus =
        ModelPrice.builder(OPUS).provider("anthropic").base(prices("5", "25", "0.50", "6.25", "10")).build();
    return PriceBook.of(List.of(sonnet, opus), "test", null);
  }
}
