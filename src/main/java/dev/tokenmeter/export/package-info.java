/**
 * Read-only views of the ledger for metrics systems (DESIGN sections 5 and 10).
 *
 * <p>{@link dev.tokenmeter.export.MetricFamily} is the one table of names, types, labels, units and
 * help text; {@link dev.tokenmeter.export.Samples} turns one {@link dev.tokenmeter.MeterSnapshot}
 * into the samples of every family. The three exporters map those samples into their library at
 * collection time and keep no counts of their own:
 *
 * <ul>
 *   <li>{@code prometheus}: a client_java {@code MultiCollector}, one snapshot per scrape;
 *   <li>{@code otel}: observable instruments with one batch callback per collection, the GenAI
 *       semconv {@code gen_ai.client.token.usage} histogram, and an SDK built from {@code OTEL_*};
 *   <li>{@code micrometer}: a {@code MeterBinder} that registers and removes meters as series come
 *       and go, whose functions read the ledger.
 * </ul>
 *
 * An empty session is exported as the label value "" (which Prometheus treats as absent); a
 * series whose model has no price has no cost sample at all, never a 0.
 */
package dev.tokenmeter.export;
