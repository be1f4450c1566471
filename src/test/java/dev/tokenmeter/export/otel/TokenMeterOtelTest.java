package dev.tokenmeter.export.otel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.usage.UsageEvent;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TokenMeterOtelTest {

  private final InMemoryMetricReader reader = InMemoryMetricReader.create();
  private SdkMeterProvider provider;
  private TokenMeter meter;

  @BeforeEach
  void setUp() {
    provider = SdkMeterProvider.builder().registerMetricReader(reader).build();
    meter = TokenMeter.builder().sweepInterval(Duration.ZERO).build();
  }

  @AfterEach
  void tearDown() {
    provider.close();
    meter.close();
  }

  @Test
  void legacySystemAttributeIsOptIn() {
    try (TokenMeterOtel otel =
        TokenMeterOtel.builder(meter).legacySystemAttribute(true).build(provider.get(TokenMeterOtel.SCOPE))) {
      meter.record(UsageEvent.builder().run("r1").model("gpt-x").provider("openai").inputTokens(70).cacheReadTokens(30).outputTokens(9).build());

      HistogramPointData input = tokenUsage(reader.collectAllMetrics(), "input").orElseThrow();

      assertThat(input.getAttributes().get(TokenMeterOtel.SYSTEM)).isEqualTo("openai");
      assertThat(input.getAttributes().get(TokenMeterOtel.PROVIDER_NAME)).isEqualTo("openai");
      assertThat(input.getSum()).isEqualTo(100.0);
      assertThat(input.getCount()).isEqualTo(1);
    }
  }

  @Test
  void countersReadTheLedgerAtEachCollection() {
    try (TokenMeterOtel otel = TokenMeterOtel.register(meter, openTelemetryOf(provider))) {
      meter.record(UsageEvent.builder().run("r1").model("m").inputTokens(10).build());
      assertThat(inputTokens(reader.collectAllMetrics())).isEqualTo(10);

      meter.record(UsageEvent.builder().run("r1").model("m").inputTokens(5).build());

      assertThat(inputTokens(reader.collectAllMetrics())).isEqualTo(15);
    }
  }

  @Test
  void closeStopsObservingAndRecording() {
    TokenMeterOtel otel = TokenMeterOtel.builder(meter).build(provider.get(TokenMeterOtel.SCOPE));
    meter.record(UsageEvent.builder().run("r1").model("m").inputTokens(10).build());
    reader.collectAllMetrics();

    otel.close();
    meter.record(UsageEvent.builder().run("r1").model("m").inputTokens(10).build());
    Collection<MetricData> after = reader.collectAllMetrics();

    assertThat(after).noneMatch(m -> m.getName().equals("tokenmeter.tokens"));
    // the histogram keeps its cumulative state, but the call after close was not recorded
    assertThat(tokenUsage(after, "input")).hasValueSatisfying(p -> assertThat(p.getCount()).isEqualTo(1));
  }

  private static io.opentelemetry.api.OpenTelemetry openTelemetryOf(SdkMeterProvider provider) {
    return io.opentelemetry.sdk.OpenTelemetrySdk.builder().setMeterProvider(provider).build();
  }

  private static long inputTokens(Collection<MetricData> metrics) {
    return metrics.stream()
        .filter(m -> m.getName().equals("tokenmeter.tokens"))
        .flatMap(m -> m.getLongSumData().getPoints().stream())
        .filter(p -> "input".equals(p.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("token_type"))))
        .mapToLong(LongPointData::getValue)
        .sum();
  }

  private static Optional<HistogramPointData> tokenUsage(Collection<MetricData> metrics, String type) {
    return metrics.stream()
        .filter(m -> m.getName().equals(TokenMeterOtel.TOKEN_USAGE))
        .flatMap(m -> m.getHistogramData().getPoints().stream())
        .filter(p -> type.equals(p.getAttributes().get(TokenMeterOtel.TOKEN_TYPE)))
        .findFirst();
  }
}
