package dev.tokenmeter.export;

import java.util.List;

/**
 * The metric families of DESIGN section 5, one table for all exporters so that Prometheus,
 * OpenTelemetry and Micrometer agree on names, types and labels by construction.
 *
 * <p>{@link #prometheusName()} is the family name as Prometheus shows it, without the
 * {@code _total} suffix that counters get in the exposition. {@link #otelUnit()} is chosen so that
 * the OTLP to Prometheus translation adds no unit suffix (annotations in braces are dropped).
 */
public enum MetricFamily {
  TOKENS(Type.COUNTER, "tokenmeter_tokens", "{token}",
      "Tokens used, by run, subagent, model and token type.",
      "run", "session", "subagent", "model", "token_type"),
  COST_USD(Type.GAUGE, "tokenmeter_cost_usd", "{USD}",
      "Cost in USD of the tokens at the current prices; absent when the model has no price.",
      "run", "session", "subagent", "model"),
  SPEND_USD(Type.COUNTER, "tokenmeter_spend_usd", "{USD}",
      "Long-term spend in USD, priced when recorded; never evicted.",
      "model", "subagent"),
  REQUESTS(Type.COUNTER, "tokenmeter_requests", "{request}",
      "Usage events (model calls).",
      "run", "session", "subagent", "model"),
  RUN_BUDGET_USD(Type.GAUGE, "tokenmeter_run_budget_usd", "{USD}",
      "The run's budget in USD; only runs that have one.",
      "run", "session"),
  SESSION_BUDGET_USD(Type.GAUGE, "tokenmeter_session_budget_usd", "{USD}",
      "The session's budget in USD; only sessions that have one.",
      "session"),
  RUN_PAUSED(Type.GAUGE, "tokenmeter_run_paused", "",
      "1 while the run is paused at a breakpoint; only paused runs.",
      "run", "session", "source"),
  UNPRICED_TOKENS(Type.COUNTER, "tokenmeter_unpriced_tokens", "{token}",
      "Tokens of models that have no price.",
      "model", "token_type"),
  EVICTED_RUNS(Type.COUNTER, "tokenmeter_evicted_runs", "{run}",
      "Runs forgotten after their retention time, or early past the cap on tracked runs."),
  OVERFLOW_RUNS(Type.COUNTER, "tokenmeter_overflow_runs", "{run}",
      "Runs folded into run=\"_overflow\" because of the export cap."),
  REJECTED_EVENTS(Type.COUNTER, "tokenmeter_rejected_events", "{event}",
      "Usage events refused as invalid."),
  DUPLICATE_EVENTS(Type.COUNTER, "tokenmeter_duplicate_events", "{event}",
      "Usage events dropped because their idempotency key was seen."),
  RECORD_ERRORS(Type.COUNTER, "tokenmeter_record_errors", "{error}",
      "Failures inside recording, counted instead of thrown."),
  LISTENER_ERRORS(Type.COUNTER, "tokenmeter_listener_errors", "{error}",
      "Exceptions thrown by meter listeners."),
  STATE_WRITE_ERRORS(Type.COUNTER, "tokenmeter_state_write_errors", "{error}",
      "Failures writing the state directory."),
  TRACKED_RUNS(Type.GAUGE, "tokenmeter_tracked_runs", "{run}",
      "Runs held now."),
  TRACKED_RUNS_LIMIT(Type.GAUGE, "tokenmeter_tracked_runs_limit", "{run}",
      "The cap on runs held: past it the least recently active runs that are not paused are forgotten first."),
  INGEST_ERRORS(Type.COUNTER, "tokenmeter_ingest_errors", "{error}",
      "Bad lines and files met by the journal and transcript sources."),
  WEBHOOK_REQUESTS(Type.COUNTER, "tokenmeter_webhook_requests", "{request}",
      "Alertmanager webhook calls, by outcome: accepted, or rejected as malformed.",
      "outcome"),
  FOLDED_SERIES(Type.COUNTER, "tokenmeter_folded_series", "{series}",
      "Names folded into _overflow by the caps on series: spend, unpriced tokens, series per run."),
  PRICEBOOK_RELOADS(Type.COUNTER, "tokenmeter_pricebook_reloads", "{reload}",
      "Price books loaded from the price file, the first load included."),
  PRICEBOOK_RELOAD_ERRORS(Type.COUNTER, "tokenmeter_pricebook_reload_errors", "{error}",
      "Price file changes rejected; the last good book stayed.");

  /** The two shapes the exporters publish. */
  public enum Type {
    COUNTER,
    GAUGE
  }

  private final Type type;
  private final String prometheusName;
  private final String otelUnit;
  private final String help;
  private final List<String> labelNames;

  MetricFamily(Type type, String prometheusName, String otelUnit, String help, String... labelNames) {
    this.type = type;
    this.prometheusName = prometheusName;
    this.otelUnit = otelUnit;
    this.help = help;
    this.labelNames = List.of(labelNames);
  }

  public Type type() {
    return type;
  }

  /** The name as Prometheus shows it; counters get {@code _total} appended in the exposition. */
  public String prometheusName() {
    return prometheusName;
  }

  /** {@code tokenmeter.tokens}: the first underscore becomes the OTel namespace dot. */
  public String otelName() {
    return "tokenmeter." + prometheusName.substring("tokenmeter_".length());
  }

  /** {@code tokenmeter.cost.usd}: Micrometer's dotted style, which its Prometheus registry undoes. */
  public String micrometerName() {
    return prometheusName.replace('_', '.');
  }

  /** A UCUM annotation (or empty), so no unit suffix is added on the way to Prometheus. */
  public String otelUnit() {
    return otelUnit;
  }

  public String help() {
    return help;
  }

  public List<String> labelNames() {
    return labelNames;
  }
}
