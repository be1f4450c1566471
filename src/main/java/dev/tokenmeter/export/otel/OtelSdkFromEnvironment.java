package dev.tokenmeter.export.otel;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the OpenTelemetry SDK that exports tokenmeter's metrics, from the standard {@code OTEL_*}
 * environment variables, through {@link AutoConfiguredOpenTelemetrySdk}.
 *
 * <p><b>Off unless asked for.</b> No SDK is built (and nothing is sent anywhere) unless
 * {@code OTEL_METRICS_EXPORTER} is set to something other than {@code none}, or an OTLP endpoint
 * is set ({@code OTEL_EXPORTER_OTLP_ENDPOINT} or {@code OTEL_EXPORTER_OTLP_METRICS_ENDPOINT}).
 * When on, everything else is the SDK's own configuration, e.g.:
 *
 * <ul>
 *   <li>{@code OTEL_METRICS_EXPORTER} default {@code otlp};
 *   <li>{@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_EXPORTER_OTLP_PROTOCOL}: default here
 *       {@code http/protobuf} (the specification's default; the Java SDK's own is {@code grpc}), so
 *       an endpoint such as {@code http://collector:4318} works as is;
 *   <li>{@code OTEL_METRIC_EXPORT_INTERVAL} in milliseconds, default 60000;
 *   <li>{@code OTEL_SERVICE_NAME}, default here {@code tokenmeter} (unless
 *       {@code OTEL_RESOURCE_ATTRIBUTES} names a {@code service.name}).
 * </ul>
 *
 * Traces and logs exporters default to {@code none}: tokenmeter exports only metrics.
 */
public final class OtelSdkFromEnvironment {

  static final String DEFAULT_SERVICE_NAME = "tokenmeter";

  private OtelSdkFromEnvironment() {}

  /** The SDK configured from this process's environment, or empty when export is off. */
  public static Optional<OpenTelemetrySdk> create() {
    return create(System.getenv());
  }

  /**
   * The SDK configured from {@code env} (variables named as in the environment), or empty when
   * export is off. Variables of the real environment still apply where {@code env} is silent.
   */
  public static Optional<OpenTelemetrySdk> create(Map<String, String> env) {
    if (!isEnabled(env)) {
      return Optional.empty();
    }
    Map<String, String> properties = defaults(env);
    properties.putAll(toProperties(env));
    OpenTelemetrySdk sdk =
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(() -> properties)
            .build()
            .getOpenTelemetrySdk();
    return Optional.of(sdk);
  }

  /** Whether {@code env} asks for metric export. */
  public static boolean isEnabled(Map<String, String> env) {
    String exporter = env.get("OTEL_METRICS_EXPORTER");
    if (exporter != null && !exporter.isBlank()) {
      return !exporter.trim().equalsIgnoreCase("none");
    }
    return notBlank(env.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
        || notBlank(env.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"));
  }

  private static Map<String, String> defaults(Map<String, String> env) {
    Map<String, String> p = new HashMap<>();
    p.put("otel.metrics.exporter", "otlp");
    p.put("otel.exporter.otlp.protocol", "http/protobuf");
    p.put("otel.traces.exporter", "none");
    p.put("otel.logs.exporter", "none");
    String resource = env.getOrDefault("OTEL_RESOURCE_ATTRIBUTES", "");
    if (!resource.contains("service.name=")) {
      p.put("otel.service.name", DEFAULT_SERVICE_NAME);
    }
    return p;
  }

  /** {@code OTEL_EXPORTER_OTLP_ENDPOINT} to {@code otel.exporter.otlp.endpoint}, as the SDK does. */
  static Map<String, String> toProperties(Map<String, String> env) {
    Map<String, String> p = new HashMap<>();
    env.forEach(
        (k, v) -> {
          if (k.startsWith("OTEL_") && v != null) {
            p.put(k.toLowerCase(Locale.ROOT).replace('_', '.'), v);
          }
        });
    return p;
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }
}
