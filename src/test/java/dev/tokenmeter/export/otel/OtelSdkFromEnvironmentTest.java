package dev.tokenmeter.export.otel;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.usage.UsageEvent;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OtelSdkFromEnvironmentTest {

  private HttpServer receiver;
  private final List<byte[]> requests = new CopyOnWriteArrayList<>();
  private String endpoint;

  @BeforeEach
  void startReceiver() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext(
        "/v1/metrics",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            requests.add(in.readAllBytes());
          }
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    receiver.start();
    endpoint = "http://127.0.0.1:" + receiver.getAddress().getPort();
  }

  @AfterEach
  void stopReceiver() {
    receiver.stop(0);
  }

  @Test
  void offUnlessAnExporterOrEndpointIsSet() {
    assertThat(OtelSdkFromEnvironment.isEnabled(Map.of())).isFalse();
    assertThat(OtelSdkFromEnvironment.isEnabled(Map.of("OTEL_SERVICE_NAME", "x"))).isFalse();
    assertThat(OtelSdkFromEnvironment.isEnabled(Map.of("OTEL_METRICS_EXPORTER", "none"))).isFalse();
    assertThat(
            OtelSdkFromEnvironment.isEnabled(
                Map.of("OTEL_METRICS_EXPORTER", "none", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")))
        .isFalse();
    assertThat(OtelSdkFromEnvironment.isEnabled(Map.of("OTEL_METRICS_EXPORTER", "otlp"))).isTrue();
    assertThat(OtelSdkFromEnvironment.isEnabled(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1"))).isTrue();
    assertThat(OtelSdkFromEnvironment.isEnabled(Map.of("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://127.0.0.1:1/v1/metrics"))).isTrue();
    assertThat(OtelSdkFromEnvironment.create(Map.of())).isEmpty();
  }

  @Test
  void exportsOverOtlpHttpToTheConfiguredEndpoint() throws Exception {
    Map<String, String> env =
        Map.of(
            "OTEL_EXPORTER_OTLP_ENDPOINT", endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
            "OTEL_METRIC_EXPORT_INTERVAL", "3600000");

    ExportMetricsServiceRequest request = exportOnce(env);

    ResourceMetrics rm = request.getResourceMetrics(0);
    assertThat(attribute(rm, "service.name")).contains(OtelSdkFromEnvironment.DEFAULT_SERVICE_NAME);
    assertThat(rm.getScopeMetrics(0).getScope().getName()).isEqualTo(TokenMeterOtel.SCOPE);
    assertThat(rm.getScopeMetrics(0).getMetricsList())
        .anyMatch(m -> m.getName().equals("tokenmeter.tokens"))
        .anyMatch(m -> m.getName().equals("gen_ai.client.token.usage"));
  }

  @Test
  void grpcIsUsedWhenAskedFor() {
    Optional<OpenTelemetrySdk> sdk =
        OtelSdkFromEnvironment.create(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"));
    assertThat(sdk).isPresent();
    try (OpenTelemetrySdk otel = sdk.get()) {
      assertThat(otel.getSdkMeterProvider().toString()).contains("OtlpGrpcMetricExporter");
    }
  }

  @Test
  void serviceNameComesFromTheEnvironmentWhenSet() throws Exception {
    Map<String, String> env =
        Map.of(
            "OTEL_EXPORTER_OTLP_ENDPOINT", endpoint,
            "OTEL_METRIC_EXPORT_INTERVAL", "3600000",
            "OTEL_RESOURCE_ATTRIBUTES", "service.name=orchestrator,deployment.environment=test");

    ResourceMetrics rm = exportOnce(env).getResourceMetrics(0);

    assertThat(attribute(rm, "service.name")).contains("orchestrator");
    assertThat(attribute(rm, "deployment.environment")).contains("test");
  }

  private ExportMetricsServiceRequest exportOnce(Map<String, String> env) throws Exception {
    Optional<OpenTelemetrySdk> sdk = OtelSdkFromEnvironment.create(env);
    assertThat(sdk).isPresent();
    try (OpenTelemetrySdk otel = sdk.get();
        TokenMeter meter = TokenMeter.builder().sweepInterval(Duration.ZERO).build();
        TokenMeterOtel exporter = TokenMeterOtel.register(meter, otel)) {
      meter.record(UsageEvent.builder().run("r1").model("m").provider("p").inputTokens(5).outputTokens(2).build());
      assertThat(otel.getSdkMeterProvider().forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
    // the flush, then the final export on close
    assertThat(requests).isNotEmpty();
    return ExportMetricsServiceRequest.parseFrom(requests.get(0));
  }

  private static Optional<String> attribute(ResourceMetrics rm, String key) {
    return rm.getResource().getAttributesList().stream()
        .filter(kv -> kv.getKey().equals(key))
        .map(KeyValue::getValue)
        .map(v -> v.getStringValue())
        .findFirst();
  }
}
