package dev.tokenmeter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.budget.MeterListener;
import dev.tokenmeter.usage.TokenCounts;
import dev.tokenmeter.usage.UsageEvent;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A streamed response recorded on its first copy and grown by later ones counts as one request. */
class RecordGrowthTest {

  private static TokenMeter meter() {
    return TokenMeter.builder().priceBook(TestPrices.book()).sweepInterval(Duration.ZERO).build();
  }

  private static UsageEvent call(String key, long input, long output) {
    return UsageEvent.builder().run("r1").session("s1").subagent("coder").model(TestPrices.SONNET)
        .inputTokens(input).outputTokens(output).idempotencyKey(key).build();
  }

  @Test
  void growthAddsTokensAndCostButNoRequest() {
    TokenMeter meter = meter();
    assertThat(meter.record(call("m1", 1000, 10))).isTrue();
    assertThat(meter.recordGrowth(call("m1@1000,50", 1000, 50), TokenCounts.of(1000, 10, 0, 0, 0)))
        .isTrue();
    // the same growth fed again (a restart over the same meter) counts once
    assertThat(meter.recordGrowth(call("m1@1000,50", 1000, 50), TokenCounts.of(1000, 10, 0, 0, 0)))
        .isFalse();

    RunStatus s = meter.status("r1").orElseThrow();
    assertThat(s.requests()).isEqualTo(1);
    assertThat(s.tokens()).isEqualTo(TokenCounts.of(1000, 50, 0, 0, 0));
    // 1000 * $3/M + 50 * $15/M, the same as recording the final usage once
    assertThat(s.costUsd()).isEqualByComparingTo("0.00375");
  }

  @Test
  void growthIsPricedAtTheTierOfTheWholeCall() {
    TokenMeter meter = meter();
    meter.record(call("m1", 250_000, 10));
    meter.recordGrowth(call("m1@250000,110", 250_000, 110), TokenCounts.of(250_000, 10, 0, 0, 0));
    // long context: $6/M input, $22.50/M output for all of it
    assertThat(meter.status("r1").orElseThrow().costUsd())
        .isEqualByComparingTo(new BigDecimal("1.5").add(new BigDecimal("0.002475")));
  }

  @Test
  void aShrinkOrAMissingKeyIsRejectedAndNothingGoesDown() {
    TokenMeter meter = meter();
    meter.record(call("m1", 1000, 50));
    assertThat(meter.recordGrowth(call("m1@x", 1000, 40), TokenCounts.of(1000, 50, 0, 0, 0)))
        .isFalse();
    assertThat(meter.recordGrowth(call(null, 1000, 60), TokenCounts.of(1000, 50, 0, 0, 0)))
        .isFalse();
    assertThat(meter.stats().rejectedEvents()).isEqualTo(2);
    assertThat(meter.status("r1").orElseThrow().tokens()).isEqualTo(TokenCounts.of(1000, 50, 0, 0, 0));
  }

  @Test
  void listenersHearTheGrowthOnly() {
    List<String> heard = new ArrayList<>();
    TokenMeter meter = TokenMeter.builder().priceBook(TestPrices.book()).sweepInterval(Duration.ZERO)
        .listener(new MeterListener() {
          @Override
          public void onUsage(UsageEvent e, BigDecimal cost) {
            heard.add(e.tokens().output() + " $" + cost.toPlainString());
          }
        })
        .build();
    meter.record(call("m1", 0, 10));
    meter.recordGrowth(call("m1@0,30", 0, 30), TokenCounts.of(0, 10, 0, 0, 0));
    assertThat(heard).containsExactly("10 $0.00015", "20 $0.0003");
  }

  @Test
  void growthCanCrossTheBudgetAndPause() {
    TokenMeter meter = TokenMeter.builder().priceBook(TestPrices.book()).sweepInterval(Duration.ZERO)
        .defaultRunBudget(new BigDecimal("0.01")).build();
    meter.record(call("m1", 0, 100)); // $0.0015
    assertThat(meter.gate("r1").isPaused()).isFalse();
    meter.recordGrowth(call("m1@0,1000", 0, 1000), TokenCounts.of(0, 100, 0, 0, 0)); // $0.015 in all
    assertThat(meter.gate("r1").isPaused()).isTrue();
  }
}
