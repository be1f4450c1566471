/**
 * OpenTelemetry exporter: {@link dev.tokenmeter.export.otel.TokenMeterOtel} registers the
 * instruments, {@link dev.tokenmeter.export.otel.OtelSdkFromEnvironment} builds an SDK from the
 * standard {@code OTEL_*} variables (off unless {@code OTEL_METRICS_EXPORTER} or an OTLP endpoint
 * is set).
 */
package dev.tokenmeter.export.otel;
