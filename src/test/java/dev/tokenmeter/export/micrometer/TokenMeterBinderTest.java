package dev.tokenmeter.export.micrometer;

import dev.tokenmeter.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.budget.PauseSource;
import dev.tokenmeter.budget.ResumeRequest;
import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.Prices;
import dev.tokenmeter.usage.UsageEvent;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TokenMeterBinderTest {

  private final ManualClock clock = new ManualClock();
  private TokenMeter meter;
  private PrometheusMeterRegistry registry;
  private TokenMeterBinder binder;

  @BeforeEach
  void setUp() {
    ModelPrice sonnet =
        ModelPrice.builder("sonnet")
            .base(Prices.builder().input(new BigDecimal("3")).output(new BigDecimal("15")).build())
            .build();
    meter =
        TokenMeter.builder()
            .priceBook(PriceBook.of(List.of(sonnet), "test", LocalDate.of(2026, 1, 1)))
            .clock(clock)
            .retention(Duration.ofMinutes(1))
            .sweepInterval(Duration.ZERO)
            .build();
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    binder = TokenMeterBinder.builder(meter).refreshInterval(Duration.ZERO).snapshotMaxAge(Duration.ZERO).build();
    binder.bindTo(registry);
  }

  @AfterEach
  void tearDown() {
    binder.close();
    meter.close();
  }

  @Test
  void seriesOfANewRunAppearWithoutAnExplicitRefresh() {
    meter.record(UsageEvent.builder().run("r1").subagent("coder").model("sonnet").inputTokens(1000).build());

    await(() -> registry.find("tokenmeter.requests").tag("run", "r1").functionCounter() != null);

    FunctionCounter input =
        registry.find("tokenmeter.tokens").tags("run", "r1", "token_type", "input").functionCounter();
    assertThat(input.count()).isEqualTo(1000.0);
    meter.record(UsageEvent.builder().run("r1").subagent("coder").model("sonnet").inputTokens(500).build());
    // the function reads the ledger: no refresh needed for new values
    assertThat(input.count()).isEqualTo(1500.0);
    assertThat(registry.find("tokenmeter.cost.usd").tag("run", "r1").gauge().value()).isEqualTo(0.0045);
  }

  @Test
  void prometheusNamesAreTheDesignNames() {
    meter.record(UsageEvent.builder().run("r1").model("sonnet").inputTokens(1).build());
    binder.refresh();

    assertThat(registry.scrape())
        .contains("tokenmeter_tokens_total{")
        .contains("tokenmeter_cost_usd{")
        .contains("tokenmeter_spend_usd_total{")
        .contains("tokenmeter_requests_total{")
        .contains("tokenmeter_tracked_runs 1")
        .contains("# HELP tokenmeter_tokens_total Tokens used");
  }

  @Test
  void aBaseUnitWouldChangeThePrometheusName() {
    // Why the binder sets no base unit: the Prometheus registry appends it to the name.
    FunctionCounter.builder("probe.requests", this, t -> 1).baseUnit("calls").register(registry);

    assertThat(registry.scrape()).contains("probe_requests_calls_total 1");
  }

  @Test
  void seriesOfAnEvictedRunAreRemoved() {
    meter.record(UsageEvent.builder().run("r1").model("sonnet").inputTokens(1).build());
    meter.record(UsageEvent.builder().run("r2").model("sonnet").inputTokens(1).build());
    binder.refresh();
    assertThat(registry.find("tokenmeter.tokens").tag("run", "r1").functionCounters()).hasSize(5);

    meter.endRun("r1");
    clock.advance(Duration.ofMinutes(2));
    meter.sweep();
    binder.refresh();

    assertThat(registry.find("tokenmeter.tokens").tag("run", "r1").functionCounters()).isEmpty();
    assertThat(registry.find("tokenmeter.cost.usd").tag("run", "r1").gauges()).isEmpty();
    assertThat(registry.find("tokenmeter.evicted.runs").functionCounter().count()).isEqualTo(1.0);
    // long-term spend has no run label and stays
    assertThat(registry.find("tokenmeter.spend.usd").functionCounters()).hasSize(1);
  }

  @Test
  void pausedGaugeComesAndGoesWithThePause() {
    meter.record(UsageEvent.builder().run("r1").model("sonnet").inputTokens(1).build());
    meter.pause("r1", PauseSource.MANUAL, "look", "test");

    await(() -> registry.find("tokenmeter.run.paused").tag("run", "r1").gauge() != null);
    Gauge paused = registry.find("tokenmeter.run.paused").tag("run", "r1").gauge();
    assertThat(paused.getId().getTag("source")).isEqualTo("manual");
    assertThat(paused.value()).isEqualTo(1.0);

    meter.resume("r1", ResumeRequest.builder().override(true).by("test").reason("done").build());
    await(() -> registry.find("tokenmeter.run.paused").tag("run", "r1").gauge() == null);
  }

  @Test
  void closeRemovesTheMeters() {
    meter.record(UsageEvent.builder().run("r1").model("sonnet").inputTokens(1).build());
    binder.refresh();
    assertThat(registry.getMeters()).isNotEmpty();

    binder.close();

    assertThat(registry.getMeters()).isEmpty();
  }

  private static void await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 5 s");
      }
      Thread.onSpinWait();
    }
  }


}
