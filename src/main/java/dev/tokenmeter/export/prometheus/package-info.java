/**
 * Prometheus client_java 1.x exporter: {@link dev.tokenmeter.export.prometheus.TokenMeterCollector}.
 */
package dev.tokenmeter.export.prometheus;
