package dev.tokenmeter.export.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.budget.PauseSource;
import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.Prices;
import dev.tokenmeter.usage.UsageEvent;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TokenMeterCollectorTest {

  private static final Set<String> SMALL =
      Set.of("tokenmeter_tokens", "tokenmeter_cost_usd", "tokenmeter_requests",
          "tokenmeter_run_budget_usd", "tokenmeter_run_paused", "tokenmeter_unpriced_tokens");

  private TokenMeter meter;
  private PrometheusRegistry registry;

  @BeforeEach
  void setUp() {
    ModelPrice sonnet =
        ModelPrice.builder("sonnet")
            .base(Prices.builder().input(new BigDecimal("3")).output(new BigDecimal("15")).build())
            .build();
    meter =
        TokenMeter.builder()
            .priceBook(PriceBook.of(List.of(sonnet), "test", LocalDate.of(2026, 1, 1)))
            .sweepInterval(Duration.ZERO)
            .build();
    registry = new PrometheusRegistry();
    TokenMeterCollector.register(meter, registry);
  }

  @AfterEach
  void tearDown() {
    meter.close();
  }

  private void recordSmallCase() {
    meter.record(event("r1", "sonnet").inputTokens(1000).outputTokens(200).build());
    meter.record(event("r1", "mystery-1").inputTokens(7).outputTokens(3).build());
    meter.setRunBudget("r1", new BigDecimal("2.50"), "test");
    meter.pause("r1", PauseSource.MANUAL, "look", "test");
  }

  private static UsageEvent.Builder event(String run, String model) {
    return UsageEvent.builder().run(run).session("s1").subagent("coder").model(model);
  }

  @Test
  void prometheusTextIsGolden() throws IOException {
    recordSmallCase();

    String text = prometheusText(registry.scrape(SMALL::contains));

    assertThat(text)
        .isEqualTo(
            String.join(
                "\n",
                "# HELP tokenmeter_cost_usd Cost in USD of the tokens at the current prices; absent when the model has no price.",
                "# TYPE tokenmeter_cost_usd gauge",
                "tokenmeter_cost_usd{model=\"sonnet\",run=\"r1\",session=\"s1\",subagent=\"coder\"} 0.006",
                "# HELP tokenmeter_requests_total Usage events (model calls).",
                "# TYPE tokenmeter_requests_total counter",
                "tokenmeter_requests_total{model=\"mystery-1\",run=\"r1\",session=\"s1\",subagent=\"coder\"} 1.0",
                "tokenmeter_requests_total{model=\"sonnet\",run=\"r1\",session=\"s1\",subagent=\"coder\"} 1.0",
                "# HELP tokenmeter_run_budget_usd The run's budget in USD; only runs that have one.",
                "# TYPE tokenmeter_run_budget_usd gauge",
                "tokenmeter_run_budget_usd{run=\"r1\",session=\"s1\"} 2.5",
                "# HELP tokenmeter_run_paused 1 while the run is paused at a breakpoint; only paused runs.",
                "# TYPE tokenmeter_run_paused gauge",
                "tokenmeter_run_paused{run=\"r1\",session=\"s1\",source=\"manual\"} 1.0",
                "# HELP tokenmeter_tokens_total Tokens used, by run, subagent, model and token type.",
                "# TYPE tokenmeter_tokens_total counter",
                "tokenmeter_tokens_total{model=\"mystery-1\",run=\"r1\",session=\"s1\",subagent=\"coder\",token_type=\"cache_read\"} 0.0",
                "tokenmeter_tokens_total{model=\"mystery-1\",run=\"r1\",session=\"s1\",subagent=\"coder\",token_type=\"cache_write_1h\"} 0.0",
                "tokenmeter_tokens_total{model=\"mystery-1\",run=\"r1\",session=\"s1\",subagent=\"coder\",token_type=\"cache_write_5m\"} 0.0",
                "tokenmeter_tokens_total{model=\"mystery-1\",run=\"r1\",session=\"s1\",subagent=\"coder\",token_type=\"input\"} 7.0",
                "tokenmeter_tokens_total{model=\"mystery-1\",run=\"r1\",session=\"s1\",subagent=\"coder\",token_type=\"output\"} 3.0",
                "tokenmeter_tokens_total{model=\"sonnet\",run=\"r1\",session=\"s1\",subagent=\"coder\",token_type=\"cache_read\"} 0.0",
                "tokenmeter_tokens_total{model=\"sonnet\",run=\"r1\",session=\"s1\",subagent=\"coder\",token_type=\"cache_write_1h\"} 0.0",
                "tokenmeter_tokens_total{model=\"sonnet\",run=\"r1\",session=\"s1\",subagent=\"coder\",token_type=\"cache_write_5m\"} 0.0",
                "tokenmeter_tokens_total{model=\"sonnet\",run=\"r1\",session=\"s1\",subagent=\"coder\",token_type=\"input\"} 1000.0",
                "tokenmeter_tokens_total{model=\"sonnet\",run=\"r1\",session=\"s1\",subagent=\"coder\",token_type=\"output\"} 200.0",
                "# HELP tokenmeter_unpriced_tokens_total Tokens of models that have no price.",
                "# TYPE tokenmeter_unpriced_tokens_total counter",
                "tokenmeter_unpriced_tokens_total{model=\"mystery-1\",token_type=\"cache_read\"} 0.0",
                "tokenmeter_unpriced_tokens_total{model=\"mystery-1\",token_type=\"cache_write_1h\"} 0.0",
                "tokenmeter_unpriced_tokens_total{model=\"mystery-1\",token_type=\"cache_write_5m\"} 0.0",
                "tokenmeter_unpriced_tokens_total{model=\"mystery-1\",token_type=\"input\"} 7.0",
                "tokenmeter_unpriced_tokens_total{model=\"mystery-1\",token_type=\"output\"} 3.0",
                ""));
  }

  @Test
  void openMetricsTextIsGolden() throws IOException {
    recordSmallCase();

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    OpenMetricsTextFormatWriter.create()
        .write(out, registry.scrape(n -> n.equals("tokenmeter_cost_usd") || n.equals("tokenmeter_spend_usd")));

    assertThat(out.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            String.join(
                "\n",
                "# TYPE tokenmeter_cost_usd gauge",
                "# HELP tokenmeter_cost_usd Cost in USD of the tokens at the current prices; absent when the model has no price.",
                "tokenmeter_cost_usd{model=\"sonnet\",run=\"r1\",session=\"s1\",subagent=\"coder\"} 0.006",
                "# TYPE tokenmeter_spend_usd counter",
                "# HELP tokenmeter_spend_usd Long-term spend in USD, priced when recorded; never evicted.",
                "tokenmeter_spend_usd_total{model=\"sonnet\",subagent=\"coder\"} 0.006",
                "# EOF",
                ""));
  }

  @Test
  void selfMetricsAreExported() throws IOException {
    recordSmallCase();
    meter.record(UsageEvent.builder().run("r2").model("sonnet").idempotencyKey("k").build());
    meter.record(UsageEvent.builder().run("r2").model("sonnet").idempotencyKey("k").build());

    String text = prometheusText(registry.scrape());

    assertThat(text)
        .contains("tokenmeter_duplicate_events_total 1.0\n")
        .contains("tokenmeter_evicted_runs_total 0.0\n")
        .contains("tokenmeter_overflow_runs_total 0.0\n")
        .contains("tokenmeter_rejected_events_total 0.0\n")
        .contains("tokenmeter_record_errors_total 0.0\n")
        .contains("tokenmeter_state_write_errors_total 0.0\n")
        .contains("# TYPE tokenmeter_tracked_runs gauge\n")
        .contains("tokenmeter_tracked_runs 2.0\n")
        .contains("tokenmeter_tracked_runs_limit 50000.0\n")
        // a run without a session is exported with session="", which Prometheus treats as absent
        .contains("tokenmeter_requests_total{model=\"sonnet\",run=\"r2\",session=\"\",subagent=\"main\"} 1.0\n");
  }

  @Test
  void eachScrapeReadsTheLedgerAnew() throws IOException {
    meter.record(event("r1", "sonnet").inputTokens(1000).build());
    assertThat(prometheusText(registry.scrape(n -> n.equals("tokenmeter_cost_usd"))))
        .contains("} 0.003\n");

    meter.record(event("r1", "sonnet").inputTokens(1000).build());

    assertThat(prometheusText(registry.scrape(n -> n.equals("tokenmeter_cost_usd"))))
        .contains("} 0.006\n");
  }

  @Test
  void runsPastTheCapFoldIntoOverflow() throws IOException {
    TokenMeter capped = TokenMeter.builder().maxExportedRuns(1).sweepInterval(Duration.ZERO).build();
    PrometheusRegistry r = new PrometheusRegistry();
    TokenMeterCollector.register(capped, r);
    capped.record(UsageEvent.builder().run("a").model("m").inputTokens(1).build());
    capped.record(UsageEvent.builder().run("b").model("m").inputTokens(2).build());
    capped.record(UsageEvent.builder().run("c").model("m").inputTokens(3).build());

    String text = prometheusText(r.scrape());

    assertThat(text)
        .contains("tokenmeter_tokens_total{model=\"m\",run=\"a\",session=\"\",subagent=\"main\",token_type=\"input\"} 1.0\n")
        .contains("tokenmeter_tokens_total{model=\"m\",run=\"_overflow\",session=\"\",subagent=\"main\",token_type=\"input\"} 5.0\n")
        .contains("tokenmeter_overflow_runs_total 2.0\n")
        .doesNotContain("run=\"b\"");
    capped.close();
  }

  @Test
  void seriesOfAnEvictedRunDisappear() throws IOException {
    MutableClock clock = new MutableClock();
    TokenMeter m = TokenMeter.builder().clock(clock).retention(Duration.ofMinutes(1)).sweepInterval(Duration.ZERO).build();
    PrometheusRegistry r = new PrometheusRegistry();
    TokenMeterCollector.register(m, r);
    m.record(UsageEvent.builder().run("gone").model("m").inputTokens(1).build());
    assertThat(prometheusText(r.scrape())).contains("run=\"gone\"");

    m.endRun("gone");
    clock.advance(Duration.ofMinutes(2));
    m.sweep();

    assertThat(prometheusText(r.scrape()))
        .doesNotContain("run=\"gone\"")
        .contains("tokenmeter_evicted_runs_total 1.0\n")
        // the unknown model's tokens stay counted after the run is gone
        .contains("tokenmeter_unpriced_tokens_total{model=\"m\",token_type=\"input\"} 1.0\n");
    m.close();
  }

  static final class MutableClock extends java.time.Clock {
    private volatile java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  static String prometheusText(MetricSnapshots snapshots) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, snapshots);
    return out.toString(StandardCharsets.UTF_8);
  }
}
