package dev.tokenmeter.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.budget.PauseSource;
import dev.tokenmeter.export.micrometer.TokenMeterBinder;
import dev.tokenmeter.export.otel.TokenMeterOtel;
import dev.tokenmeter.export.prometheus.TokenMeterCollector;
import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.Prices;
import dev.tokenmeter.usage.UsageEvent;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The acceptance test of the exporters: one meter read through client_java's exposition, through
 * OpenTelemetry exported over real OTLP/HTTP and translated by the Collector's name rules, and
 * through Micrometer's Prometheus registry, gives the same series with the same values.
 */
class CrossExporterTest {

  private TokenMeter meter;
  private HttpServer otlpReceiver;
  private final List<byte[]> otlpRequests = new CopyOnWriteArrayList<>();
  private SdkMeterProvider meterProvider;
  private TokenMeterOtel otel;
  private TokenMeterBinder binder;
  private PrometheusMeterRegistry micrometer;
  private PrometheusRegistry prometheus;

  @BeforeEach
  void setUp() throws IOException {
    ModelPrice sonnet =
        ModelPrice.builder("sonnet")
            .provider("anthropic")
            .base(
                Prices.builder()
                    .input(new BigDecimal("3"))
                    .output(new BigDecimal("15"))
                    .cacheRead(new BigDecimal("0.30"))
                    .cacheWrite5m(new BigDecimal("3.75"))
                    .cacheWrite1h(new BigDecimal("6"))
                    .build())
            .build();
    ModelPrice haiku =
        ModelPrice.builder("haiku")
            .base(Prices.builder().input(new BigDecimal("1")).output(new BigDecimal("5")).build())
            .build();
    meter =
        TokenMeter.builder()
            .priceBook(PriceBook.of(List.of(sonnet, haiku), "test", LocalDate.of(2026, 1, 1)))
            .sweepInterval(Duration.ZERO)
            .build();

    otlpReceiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    otlpReceiver.createContext(
        "/v1/metrics",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            otlpRequests.add(in.readAllBytes());
          }
          exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    otlpReceiver.start();
    String endpoint = "http://127.0.0.1:" + otlpReceiver.getAddress().getPort() + "/v1/metrics";
    meterProvider =
        SdkMeterProvider.builder()
            .registerMetricReader(
                PeriodicMetricReader.builder(OtlpHttpMetricExporter.builder().setEndpoint(endpoint).build())
                    .setInterval(Duration.ofHours(1))
                    .build())
            .build();
    otel = TokenMeterOtel.builder(meter).build(meterProvider.get(TokenMeterOtel.SCOPE));

    prometheus = new PrometheusRegistry();
    TokenMeterCollector.register(meter, prometheus);

    micrometer = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    binder = TokenMeterBinder.builder(meter).refreshInterval(Duration.ZERO).build();
    binder.bindTo(micrometer);
  }

  @AfterEach
  void tearDown() {
    binder.close();
    otel.close();
    meterProvider.close();
    otlpReceiver.stop(0);
    meter.close();
  }

  private void recordKnownUsage() {
    // r1 in session s1, two subagents, two models, with cache tokens
    meter.record(call("r1", "s1", "planner", "sonnet").inputTokens(1200).outputTokens(300).cacheReadTokens(10_000).build());
    meter.record(call("r1", "s1", "planner", "sonnet").inputTokens(800).outputTokens(100).cacheWrite5mTokens(2000).build());
    meter.record(call("r1", "s1", "coder", "sonnet").inputTokens(5000).outputTokens(1500).cacheWrite1hTokens(4000).build());
    meter.record(call("r1", "s1", "coder", "haiku").inputTokens(300).outputTokens(50).build());
    // r2 in the same session, paused by hand
    meter.record(call("r2", "s1", "coder", "sonnet").inputTokens(100).outputTokens(20).build());
    // r3 without a session: an unknown model next to a priced one
    meter.record(call("r3", null, null, "mystery-9").inputTokens(4321).outputTokens(123).build());
    meter.record(call("r3", null, null, "haiku").inputTokens(10).outputTokens(1).build());
    meter.setRunBudget("r1", new BigDecimal("5.00"), "test");
    meter.setSessionBudget("s1", new BigDecimal("20"), "test");
    meter.pause("r2", PauseSource.MANUAL, "checking", "test");
  }

  private static UsageEvent.Builder call(String run, String session, String subagent, String model) {
    return UsageEvent.builder()
        .run(run)
        .session(session)
        .subagent(subagent)
        .model(model)
        .provider(model.equals("mystery-9") ? null : "anthropic");
  }

  @Test
  void allThreeExportersShowTheSameSeries() throws Exception {
    recordKnownUsage();

    Map<String, Double> fromPrometheus = PrometheusText.series(prometheusText(), "tokenmeter_");
    Map<String, Double> fromOtlp = OtlpToPrometheus.series(exportOverOtlp());
    binder.refresh();
    Map<String, Double> fromMicrometer = PrometheusText.series(micrometer.scrape(), "tokenmeter_");

    assertThat(fromPrometheus)
        .containsEntry("tokenmeter_tokens_total{model=\"sonnet\",run=\"r1\",session=\"s1\",subagent=\"planner\",token_type=\"input\"}", 2000.0)
        .containsEntry("tokenmeter_tokens_total{model=\"sonnet\",run=\"r1\",session=\"s1\",subagent=\"planner\",token_type=\"cache_read\"}", 10_000.0)
        .containsEntry("tokenmeter_requests_total{model=\"sonnet\",run=\"r1\",session=\"s1\",subagent=\"planner\"}", 2.0)
        // 2000*3 + 400*15 + 10000*0.30 + 2000*3.75 per million = 0.0225
        .containsEntry("tokenmeter_cost_usd{model=\"sonnet\",run=\"r1\",session=\"s1\",subagent=\"planner\"}", 0.0225)
        .containsEntry("tokenmeter_spend_usd_total{model=\"haiku\",subagent=\"coder\"}", 0.00055)
        .containsEntry("tokenmeter_run_budget_usd{run=\"r1\",session=\"s1\"}", 5.0)
        .containsEntry("tokenmeter_session_budget_usd{session=\"s1\"}", 20.0)
        .containsEntry("tokenmeter_run_paused{run=\"r2\",session=\"s1\",source=\"manual\"}", 1.0)
        .containsEntry("tokenmeter_unpriced_tokens_total{model=\"mystery-9\",token_type=\"input\"}", 4321.0)
        .containsEntry("tokenmeter_unpriced_tokens_total{model=\"mystery-9\",token_type=\"output\"}", 123.0)
        .containsEntry("tokenmeter_tokens_total{model=\"mystery-9\",run=\"r3\",subagent=\"main\",token_type=\"input\"}", 4321.0)
        .containsEntry("tokenmeter_tracked_runs", 3.0)
        .containsEntry("tokenmeter_tracked_runs_limit", 50_000.0)
        .containsEntry("tokenmeter_evicted_runs_total", 0.0)
        .doesNotContainKey("tokenmeter_run_paused{run=\"r1\",session=\"s1\",source=\"manual\"}");
    // unknown cost is absent, never a silent 0
    assertThat(fromPrometheus.keySet())
        .noneMatch(k -> k.startsWith("tokenmeter_cost_usd") && k.contains("mystery-9"))
        .noneMatch(k -> k.startsWith("tokenmeter_spend_usd_total") && k.contains("mystery-9"))
        .anyMatch(k -> k.startsWith("tokenmeter_cost_usd") && k.contains("run=\"r3\""));

    assertThat(fromOtlp).isEqualTo(fromPrometheus);
    assertThat(fromMicrometer).isEqualTo(fromPrometheus);
  }

  @Test
  void tokenUsageHistogramArrivesOverOtlp() throws Exception {
    recordKnownUsage();

    ExportMetricsServiceRequest request = exportOverOtlp();

    Metric metric =
        OtlpToPrometheus.metrics(request).stream()
            .filter(m -> m.getName().equals("gen_ai.client.token.usage"))
            .findFirst()
            .orElseThrow();
    assertThat(metric.getUnit()).isEqualTo("{token}");
    assertThat(OtlpToPrometheus.metricName(metric.getName(), metric.getUnit(), false, false))
        .isEqualTo("gen_ai_client_token_usage");
    Map<String, HistogramDataPoint> points =
        OtlpToPrometheus.histogram(request, "gen_ai.client.token.usage");
    String sonnetInput =
        "{gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"anthropic\",gen_ai_request_model=\"sonnet\","
            + "gen_ai_response_model=\"sonnet\",gen_ai_token_type=\"input\"}";
    String sonnetOutput = sonnetInput.replace("token_type=\"input\"", "token_type=\"output\"");
    assertThat(points).containsKeys(sonnetInput, sonnetOutput);
    HistogramDataPoint in = points.get(sonnetInput);
    assertThat(in.getCount()).isEqualTo(4);
    // input-side tokens: input + cache read + cache writes, per call
    assertThat(in.getSum()).isEqualTo(1200 + 10_000 + 800 + 2000 + 5000 + 4000 + 100);
    assertThat(in.getExplicitBoundsList())
        .containsExactly(1d, 4d, 16d, 64d, 256d, 1024d, 4096d, 16384d, 65536d, 262144d, 1048576d,
            4194304d, 16777216d, 67108864d);
    // calls of 120, 2800, 9000 and 11200 input-side tokens: buckets (64,256], (1024,4096] and (4096,16384] twice
    assertThat(in.getBucketCountsList().get(4)).isEqualTo(1);
    assertThat(in.getBucketCountsList().get(6)).isEqualTo(1);
    assertThat(in.getBucketCountsList().get(7)).isEqualTo(2);
    assertThat(points.get(sonnetOutput).getSum()).isEqualTo(300 + 100 + 1500 + 20);
    // a call whose provider is unknown has no provider attribute
    assertThat(points)
        .containsKey("{gen_ai_operation_name=\"chat\",gen_ai_request_model=\"mystery-9\","
            + "gen_ai_response_model=\"mystery-9\",gen_ai_token_type=\"input\"}");
  }

  @Test
  void otlpNamesAndUnitsTranslateToThePrometheusNames() throws Exception {
    recordKnownUsage();

    ExportMetricsServiceRequest request = exportOverOtlp();

    Map<String, String> unitByName = new java.util.TreeMap<>();
    for (Metric m : OtlpToPrometheus.metrics(request)) {
      unitByName.put(m.getName(), m.getUnit());
    }
    assertThat(unitByName)
        .containsEntry("tokenmeter.tokens", "{token}")
        .containsEntry("tokenmeter.cost_usd", "{USD}")
        .containsEntry("tokenmeter.spend_usd", "{USD}")
        .containsEntry("tokenmeter.run_paused", "");
    Metric tokens =
        OtlpToPrometheus.metrics(request).stream().filter(m -> m.getName().equals("tokenmeter.tokens")).findFirst().orElseThrow();
    assertThat(tokens.getSum().getIsMonotonic()).isTrue();
  }

  private String prometheusText() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, prometheus.scrape());
    return out.toString(StandardCharsets.UTF_8);
  }

  private ExportMetricsServiceRequest exportOverOtlp() throws Exception {
    otlpRequests.clear();
    assertThat(meterProvider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(otlpRequests).hasSize(1);
    return ExportMetricsServiceRequest.parseFrom(otlpRequests.get(0));
  }
}
