package dev.tokenmeter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.budget.MeterListener;
import dev.tokenmeter.usage.TokenCounts;
import dev.tokenmeter.usage.UsageEvent;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class TokenMeterRecordingTest {

  private static TokenMeter meter() {
    return TokenMeter.builder().priceBook(TestPrices.book()).sweepInterval(Duration.ZERO).build();
  }

  @Test
  void eightThreadsRecordingAMillionEventsGiveExactTotalsAndCost() throws Exception {
    TokenMeter meter = meter();
    int threads = 8;
    int perThread = 125_000; // 1,000,000 events in all
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      done.add(
          pool.submit(
              () -> {
                // Half the threads share handles on one run, half go through the lookup path.
                UsageHandle h = meter.handle("r1", "s1", "coder-" + (id % 2), TestPrices.SONNET);
                start.await();
                for (int i = 0; i < perThread; i++) {
                  if (id < 4) {
                    h.record(3, 5, 7, 11, 13);
                  } else {
                    meter.record(
                        UsageEvent.builder().run("r1").subagent("coder-" + (id % 2)).model(TestPrices.SONNET)
                            .inputTokens(3).outputTokens(5).cacheReadTokens(7).cacheWrite5mTokens(11)
                            .cacheWrite1hTokens(13).build());
                  }
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();

    RunStatus s = meter.status("r1").orElseThrow();
    long n = (long) threads * perThread;
    assertThat(s.requests()).isEqualTo(n);
    assertThat(s.tokens()).isEqualTo(TokenCounts.of(3 * n, 5 * n, 7 * n, 11 * n, 13 * n));
    // Per event: (3*3 + 5*15 + 7*0.30 + 11*3.75 + 13*6) / 1e6 = 205.35 / 1e6 USD
    BigDecimal expected = new BigDecimal("205.35").multiply(BigDecimal.valueOf(n)).divide(BigDecimal.valueOf(1_000_000));
    assertThat(s.costUsd()).isEqualByComparingTo(expected);
    assertThat(s.costUsd()).isEqualByComparingTo("205.35");
    MeterSnapshot snap = meter.snapshot();
    BigDecimal spend = snap.spend().stream().map(MeterSnapshot.SpendSample::usd).reduce(BigDecimal.ZERO, BigDecimal::add);
    assertThat(spend).isEqualByComparingTo(expected);
  }

  @Test
  void aMillionOneTokenEventsCostExactlyWhatOneMillionTokenEventCosts() {
    TokenMeter many = meter();
    // Opus has no long-context tier, so one huge request and many small ones share prices.
    UsageHandle h = many.handle("r", "main", TestPrices.OPUS);
    for (int i = 0; i < 1_000_000; i++) {
      h.record(1, 1, 1, 1, 1);
    }
    TokenMeter one = meter();
    one.handle("r", "main", TestPrices.OPUS).record(1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000);

    BigDecimal a = many.status("r").orElseThrow().costUsd();
    BigDecimal b = one.status("r").orElseThrow().costUsd();
    assertThat(a).isEqualTo(b); // equal to the last digit, scale included
    assertThat(a).isEqualByComparingTo("46.75"); // 5 + 25 + 0.50 + 6.25 + 10
    assertThat(many.snapshot().spend().get(0).usd()).isEqualTo(one.snapshot().spend().get(0).usd());
  }

  @Test
  void longContextTierIsChosenPerRequestForAllItsTokens() {
    TokenMeter meter = meter();
    UsageHandle h = meter.handle("r", "main", TestPrices.SONNET);
    // 199,999 context tokens: base prices for every type.
    h.record(100_000, 1_000, 99_999, 0, 0);
    BigDecimal base = meter.status("r").orElseThrow().costUsd();
    assertThat(base).isEqualByComparingTo(new BigDecimal("0.3").add(new BigDecimal("0.015")).add(new BigDecimal("0.0299997")));

    TokenMeter meter2 = meter();
    // 200,001 context tokens: the tier's prices for every type, output included.
    meter2.handle("r", "main", TestPrices.SONNET).record(100_000, 1_000, 99_001, 500, 500);
    BigDecimal tier = meter2.status("r").orElseThrow().costUsd();
    BigDecimal expected =
        new BigDecimal("0.6") // 100,000 x 6
            .add(new BigDecimal("0.0225")) // 1,000 x 22.50
            .add(new BigDecimal("0.0594006")) // 99,001 x 0.60
            .add(new BigDecimal("0.00375")) // 500 x 7.50
            .add(new BigDecimal("0.006")); // 500 x 12
    assertThat(tier).isEqualByComparingTo(expected);
  }

  @Test
  void unknownModelIsCountedAsUnpricedNeverAsZero() {
    TokenMeter meter = meter();
    meter.handle("r", "main", "mystery-model-9").record(100, 50, 0, 0, 0);
    meter.handle("r", "main", TestPrices.SONNET).record(100_000, 0, 0, 0, 0);

    RunStatus s = meter.status("r").orElseThrow();
    assertThat(s.unpricedModels()).containsExactly("mystery-model-9");
    assertThat(s.costComplete()).isFalse();
    assertThat(s.costUsd()).isEqualByComparingTo("0.3");
    assertThat(s.byModel().get("mystery-model-9").costUsd()).isNull();
    MeterSnapshot snap = meter.snapshot();
    assertThat(snap.unpriced()).singleElement().satisfies(u -> {
      assertThat(u.model()).isEqualTo("mystery-model-9");
      assertThat(u.tokens()).isEqualTo(TokenCounts.of(100, 50, 0, 0, 0));
    });
    assertThat(snap.series()).filteredOn(x -> x.model().equals("mystery-model-9"))
        .singleElement().satisfies(x -> assertThat(x.costUsd()).isNull());
    assertThat(snap.spend()).extracting(MeterSnapshot.SpendSample::model).containsExactly(TestPrices.SONNET);
  }

  @Test
  void idempotencyKeySeenTwiceCountsOnce() {
    TokenMeter meter = meter();
    UsageEvent e = UsageEvent.builder().run("r").model(TestPrices.SONNET).inputTokens(10).idempotencyKey("k1").build();
    assertThat(meter.record(e)).isTrue();
    assertThat(meter.record(e)).isFalse();
    assertThat(meter.status("r").orElseThrow().tokens().input()).isEqualTo(10);
    assertThat(meter.stats().duplicateEvents()).isEqualTo(1);
  }

  @Test
  void negativeCountsThroughAHandleAreRejectedNotThrown() {
    TokenMeter meter = meter();
    UsageHandle h = meter.handle("r", "main", TestPrices.SONNET);
    h.record(-1, 5, 0, 0, 0);
    assertThat(meter.stats().rejectedEvents()).isEqualTo(1);
    assertThat(meter.status("r").orElseThrow().requests()).isZero();
  }

  @Test
  void aThrowingListenerNeverReachesTheCaller() {
    TokenMeter meter = meter();
    meter.addListener(new MeterListener() {
      @Override
      public void onUsage(UsageEvent event, BigDecimal costUsd) {
        throw new IllegalStateException("listener bug");
      }
    });
    meter.handle("r", "main", TestPrices.SONNET).record(1, 1, 0, 0, 0);
    assertThat(meter.status("r").orElseThrow().requests()).isEqualTo(1);
    assertThat(meter.stats().listenerErrors()).isEqualTo(1);
  }

  @Test
  void priceChangeReachesEveryReaderAtOnce() {
    TokenMeter meter = meter();
    meter.setRunBudget("r", new BigDecimal("1"), "test");
    meter.handle("r", "main", TestPrices.SONNET).record(100_000, 0, 0, 0, 0);
    assertThat(meter.status("r").orElseThrow().costUsd()).isEqualByComparingTo("0.3");
    assertThat(meter.gate("r").isPaused()).isFalse();

    meter.pricing().update(TestPrices.book("12", "15"));

    assertThat(meter.status("r").orElseThrow().costUsd()).isEqualByComparingTo("1.2");
    assertThat(meter.snapshot().series().get(0).costUsd()).isEqualByComparingTo("1.2");
    // The budget now sees $1.20 of $1: the pause threshold fired on the reprice.
    assertThat(meter.gate("r").isPaused()).isTrue();
  }
}
