package dev.tokenmeter.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.usage.TokenCounts;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class PricingArithmeticTest {

  private final ModelPrice sonnet = DefaultPriceBook.load().find("claude-sonnet-4-5-20250929");

  @Test
  void longContextTierIsChosenPerRequestForAllTokenTypes() {
    // 199,999 context tokens: base prices for every type.
    TokenCounts small = TokenCounts.of(100_000, 1_000, 50_000, 30_000, 19_999);
    assertThat(small.contextTokens()).isEqualTo(199_999);
    boolean smallTier = sonnet.isLongContext(small.contextTokens());
    assertThat(smallTier).isFalse();
    // 3*100000 + 15*1000 + 0.3*50000 + 3.75*30000 + 6*19999 per million
    assertThat(sonnet.prices(smallTier).cost(small)).isEqualTo(new BigDecimal("0.562494"));

    // 200,001 context tokens: the tier's prices for every type, output included.
    TokenCounts large = TokenCounts.of(100_000, 1_000, 50_000, 30_000, 20_001);
    assertThat(large.contextTokens()).isEqualTo(200_001);
    boolean largeTier = sonnet.isLongContext(large.contextTokens());
    assertThat(largeTier).isTrue();
    // 6*100000 + 22.5*1000 + 0.6*50000 + 7.5*30000 + 12*20001 per million
    assertThat(sonnet.prices(largeTier).cost(large)).isEqualTo(new BigDecimal("1.117512"));
    assertThat(sonnet.cost(TokenCounts.ZERO, large)).isEqualTo(new BigDecimal("1.117512"));
    // Exactly at the threshold is not above it.
    assertThat(sonnet.isLongContext(200_000)).isFalse();
  }

  @Test
  void millionOneTokenEventsCostExactlyOneMillionTokenEvent() {
    for (Prices p : new Prices[] {sonnet.base(), DefaultPriceBook.load().find("gpt-5-nano").base()}) {
      TokenCounts one = TokenCounts.of(1, 1, 1, 1, 1);
      TokenCounts million = TokenCounts.of(1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000);
      BigDecimal sum = BigDecimal.ZERO;
      long picoSum = 0;
      for (int i = 0; i < 1_000_000; i++) {
        sum = sum.add(p.cost(one));
        picoSum += p.costPico(one);
      }
      assertThat(sum.compareTo(p.cost(million))).isZero();
      assertThat(p.isExactInPico()).isTrue();
      assertThat(picoSum).isEqualTo(p.costPico(million));
      assertThat(Prices.picoToUsd(picoSum).compareTo(p.cost(million))).isZero();
    }
    // sonnet base: 3 + 15 + 0.3 + 3.75 + 6 USD for a million of each
    assertThat(sonnet.base().cost(TokenCounts.of(1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000)))
        .isEqualTo(new BigDecimal("28.05"));
  }
}
