package dev.tokenmeter.export.otel;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.budget.MeterListener;
import dev.tokenmeter.export.MetricFamily;
import dev.tokenmeter.export.Sample;
import dev.tokenmeter.export.Samples;
import dev.tokenmeter.usage.TokenCounts;
import dev.tokenmeter.usage.UsageEvent;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.BatchCallback;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.api.metrics.ObservableMeasurement;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a {@link TokenMeter} through OpenTelemetry metrics: observable instruments whose one
 * batch callback reads {@link TokenMeter#snapshot()} once per collection, plus the GenAI semconv
 * histogram {@code gen_ai.client.token.usage}, recorded per call from a {@link MeterListener}.
 *
 * <p>Instrument names and units are chosen so that the standard OTLP to Prometheus translation
 * (OpenTelemetry Collector {@code pkg/translator/prometheus}, now {@code prometheus/otlptranslator},
 * also used by Prometheus' OTLP receiver, with suffixes on) lands on the names of DESIGN section 5.
 * The rules relied on:
 *
 * <ol>
 *   <li>the name is split into tokens at every character outside {@code [a-zA-Z0-9:]} (dots and
 *       underscores alike) and joined again with {@code _};
 *   <li>the unit is split at {@code /}; a part that is empty or contains {@code {}} (a UCUM
 *       annotation such as {@code {token}}) adds nothing, others are mapped ({@code s} to
 *       {@code seconds}, {@code By} to {@code bytes}, ...) and appended unless already a token;
 *   <li>a monotonic sum gets {@code total} appended (any {@code total} token moved to the end);
 *   <li>a gauge with unit {@code 1} gets {@code ratio} appended; that is why
 *       {@code tokenmeter.run_paused} has no unit rather than {@code 1};
 *   <li>attribute keys become label names with the same character replacement.
 * </ol>
 *
 * So {@code tokenmeter.tokens} (monotonic, {@code {token}}) becomes {@code tokenmeter_tokens_total},
 * {@code tokenmeter.cost_usd} (gauge, {@code {USD}}) becomes {@code tokenmeter_cost_usd}.
 *
 * <p>For the histogram, {@code gen_ai.token.type=input} counts every input-side token of the call
 * (input, cache read and both cache writes): the semconv says {@code gen_ai.usage.input_tokens}
 * "SHOULD include all types of input tokens, including cached tokens".
 */
public final class TokenMeterOtel implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TokenMeterOtel.class);

  /** The instrumentation scope of every instrument here. */
  public static final String SCOPE = "dev.tokenmeter";

  static final String TOKEN_USAGE = "gen_ai.client.token.usage";
  /** The semconv's advised boundaries for {@code gen_ai.client.token.usage}. */
  static final List<Long> TOKEN_USAGE_BOUNDARIES =
      List.of(1L, 4L, 16L, 64L, 256L, 1024L, 4096L, 16384L, 65536L, 262144L, 1048576L, 4194304L,
          16777216L, 67108864L);

  static final AttributeKey<String> TOKEN_TYPE = AttributeKey.stringKey("gen_ai.token.type");
  static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> PROVIDER_NAME = AttributeKey.stringKey("gen_ai.provider.name");
  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("gen_ai.system");
  static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  /** Enough for every model a fleet uses; past it attributes are built per call. */
  private static final int MAX_CACHED_ATTRIBUTES = 1024;

  private final TokenMeter meter;
  private final Map<MetricFamily, ObservableMeasurement> measurements;
  private final Map<String, AttributeKey<String>> keys;
  private final BatchCallback callback;
  private final LongHistogram tokenUsage;
  private final boolean legacySystemAttribute;
  private final TokenUsageListener listener;
  private final ConcurrentHashMap<String, Attributes[]> usageAttributes = new ConcurrentHashMap<>();
  private final LongAdder collectErrors = new LongAdder();

  private TokenMeterOtel(Builder b, Meter otelMeter) {
    this.meter = b.meter;
    this.legacySystemAttribute = b.legacySystemAttribute;
    Map<MetricFamily, ObservableMeasurement> m = new EnumMap<>(MetricFamily.class);
    Map<String, AttributeKey<String>> k = new HashMap<>();
    for (MetricFamily f : MetricFamily.values()) {
      m.put(f, instrument(otelMeter, f));
      for (String label : f.labelNames()) {
        k.computeIfAbsent(label, AttributeKey::stringKey);
      }
    }
    this.measurements = m;
    this.keys = k;
    List<ObservableMeasurement> all = new ArrayList<>(m.values());
    this.callback =
        otelMeter.batchCallback(
            this::observe, all.get(0), all.subList(1, all.size()).toArray(new ObservableMeasurement[0]));
    if (b.tokenUsageHistogram) {
      this.tokenUsage =
          otelMeter
              .histogramBuilder(TOKEN_USAGE)
              .ofLongs()
              .setUnit("{token}")
              .setDescription("Number of input and output tokens used, per call.")
              .setExplicitBucketBoundariesAdvice(TOKEN_USAGE_BOUNDARIES)
              .build();
      this.listener = new TokenUsageListener();
      meter.addListener(listener);
    } else {
      this.tokenUsage = null;
      this.listener = null;
    }
  }

  public static Builder builder(TokenMeter meter) {
    return new Builder(meter);
  }

  /** Registers the default instruments of {@code meter} on {@code openTelemetry}. */
  public static TokenMeterOtel register(TokenMeter meter, OpenTelemetry openTelemetry) {
    return builder(meter).build(openTelemetry);
  }

  /** Counts are long counters; money and gauges are doubles. */
  private static boolean isLong(MetricFamily f) {
    return f.type() == MetricFamily.Type.COUNTER && f != MetricFamily.SPEND_USD;
  }

  private static ObservableMeasurement instrument(Meter otel, MetricFamily f) {
    if (f.type() == MetricFamily.Type.GAUGE) {
      return otel.gaugeBuilder(f.otelName()).setUnit(f.otelUnit()).setDescription(f.help()).buildObserver();
    }
    if (!isLong(f)) {
      return otel.counterBuilder(f.otelName()).setUnit(f.otelUnit()).setDescription(f.help()).ofDoubles().buildObserver();
    }
    return otel.counterBuilder(f.otelName()).setUnit(f.otelUnit()).setDescription(f.help()).buildObserver();
  }

  /** The batch callback: one ledger snapshot per collection; never throws into the SDK. */
  private void observe() {
    Samples samples;
    try {
      samples = Samples.of(meter.snapshot());
    } catch (RuntimeException e) {
      collectErrors.increment();
      log.warn("reading the tokenmeter ledger for a collection failed", e);
      return;
    }
    for (Map.Entry<MetricFamily, ObservableMeasurement> e : measurements.entrySet()) {
      try {
        observe(e.getKey(), e.getValue(), samples.get(e.getKey()));
      } catch (RuntimeException ex) {
        collectErrors.increment();
        log.warn("observing {} failed", e.getKey().otelName(), ex);
      }
    }
  }

  private void observe(MetricFamily f, ObservableMeasurement m, List<Sample> samples) {
    List<String> names = f.labelNames();
    for (Sample s : samples) {
      Attributes attributes;
      if (names.isEmpty()) {
        attributes = Attributes.empty();
      } else {
        AttributesBuilder a = Attributes.builder();
        for (int i = 0; i < names.size(); i++) {
          a.put(keys.get(names.get(i)), s.labelValues().get(i));
        }
        attributes = a.build();
      }
      // The SDK's measurements implement both interfaces; the instrument's kind decides.
      if (isLong(f)) {
        ((ObservableLongMeasurement) m).record((long) s.value(), attributes);
      } else {
        ((ObservableDoubleMeasurement) m).record(s.value(), attributes);
      }
    }
  }

  /** Collections or recordings that failed and were counted and logged instead of thrown. */
  public long collectErrors() {
    return collectErrors.sum();
  }

  /** Stops observing the meter: removes the callback and the usage listener. */
  @Override
  public void close() {
    callback.close();
    if (listener != null) {
      meter.removeListener(listener);
    }
  }

  /** [input attributes, output attributes] for one (model, provider). */
  private Attributes[] usageAttributes(String model, String provider) {
    String key = provider == null ? model : model + '\u0000' + provider;
    Attributes[] a = usageAttributes.get(key);
    if (a == null) {
      a = newUsageAttributes(model, provider);
      if (usageAttributes.size() < MAX_CACHED_ATTRIBUTES) {
        usageAttributes.putIfAbsent(key, a);
      }
    }
    return a;
  }

  private Attributes[] newUsageAttributes(String model, String provider) {
    AttributesBuilder b =
        Attributes.builder()
            .put(OPERATION_NAME, "chat")
            // The event carries the model the API reported; the request is taken to have asked for it.
            .put(REQUEST_MODEL, model)
            .put(RESPONSE_MODEL, model);
    if (provider != null) {
      b.put(PROVIDER_NAME, provider);
      if (legacySystemAttribute) {
        b.put(SYSTEM, provider);
      }
    }
    Attributes common = b.build();
    return new Attributes[] {
      common.toBuilder().put(TOKEN_TYPE, "input").build(),
      common.toBuilder().put(TOKEN_TYPE, "output").build()
    };
  }

  /** Records each call's tokens into the histogram: a distribution per call, not the counts. */
  private final class TokenUsageListener implements MeterListener {
    @Override
    public void onUsage(UsageEvent event, BigDecimal costUsd) {
      try {
        TokenCounts t = event.tokens();
        Attributes[] a = usageAttributes(event.model(), event.provider());
        tokenUsage.record(t.contextTokens(), a[0]);
        tokenUsage.record(t.output(), a[1]);
      } catch (RuntimeException e) {
        collectErrors.increment();
        log.warn("recording gen_ai.client.token.usage failed", e);
      }
    }
  }

  /** Configuration of a {@link TokenMeterOtel}. */
  public static final class Builder {
    private final TokenMeter meter;
    private boolean tokenUsageHistogram = true;
    private boolean legacySystemAttribute;

    private Builder(TokenMeter meter) {
      if (meter == null) {
        throw new NullPointerException("meter");
      }
      this.meter = meter;
    }

    /** Whether to record {@code gen_ai.client.token.usage}; default true. */
    public Builder tokenUsageHistogram(boolean on) {
      this.tokenUsageHistogram = on;
      return this;
    }

    /**
     * Also sets the older {@code gen_ai.system} attribute (same value as
     * {@code gen_ai.provider.name}), for dashboards built on semconv before 1.37; default false.
     */
    public Builder legacySystemAttribute(boolean on) {
      this.legacySystemAttribute = on;
      return this;
    }

    /** Registers on the meter of scope {@link #SCOPE} of {@code openTelemetry}. */
    public TokenMeterOtel build(OpenTelemetry openTelemetry) {
      return build(openTelemetry.getMeter(SCOPE));
    }

    /** Registers on {@code otelMeter}. */
    public TokenMeterOtel build(Meter otelMeter) {
      return new TokenMeterOtel(this, otelMeter);
    }
  }
}
