package dev.tokenmeter.usage;

import java.time.Instant;
import java.util.Objects;

/**
 * One model call's billable tokens (DESIGN section 2). Immutable; build with {@link #builder()}.
 * A built event is always valid: {@link Builder#build()} rejects a missing run or model and
 * negative counts.
 */
public final class UsageEvent {

  public static final String DEFAULT_SUBAGENT = "main";

  private final String run;
  private final String session;
  private final String subagent;
  private final String model;
  private final String provider;
  private final TokenCounts tokens;
  private final Instant timestamp;
  private final String idempotencyKey;

  private UsageEvent(Builder b, TokenCounts tokens) {
    this.run = b.run;
    this.session = emptyToNull(b.session);
    this.subagent = b.subagent == null || b.subagent.isEmpty() ? DEFAULT_SUBAGENT : b.subagent;
    this.model = b.model;
    this.provider = emptyToNull(b.provider);
    this.tokens = tokens;
    this.timestamp = b.timestamp;
    this.idempotencyKey = emptyToNull(b.idempotencyKey);
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  public static Builder builder() {
    return new Builder();
  }

  public String run() {
    return run;
  }

  /** The session id, or null. */
  public String session() {
    return session;
  }

  public String subagent() {
    return subagent;
  }

  public String model() {
    return model;
  }

  /** The provider, or null. */
  public String provider() {
    return provider;
  }

  public TokenCounts tokens() {
    return tokens;
  }

  /** When the call finished; null when the source did not say. */
  public Instant timestamp() {
    return timestamp;
  }

  /** The idempotency key, or null. */
  public String idempotencyKey() {
    return idempotencyKey;
  }

  public Builder toBuilder() {
    return builder()
        .run(run)
        .session(session)
        .subagent(subagent)
        .model(model)
        .provider(provider)
        .tokens(tokens)
        .timestamp(timestamp)
        .idempotencyKey(idempotencyKey);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof UsageEvent)) {
      return false;
    }
    UsageEvent e = (UsageEvent) o;
    return run.equals(e.run)
        && Objects.equals(session, e.session)
        && subagent.equals(e.subagent)
        && model.equals(e.model)
        && Objects.equals(provider, e.provider)
        && tokens.equals(e.tokens)
        && Objects.equals(timestamp, e.timestamp)
        && Objects.equals(idempotencyKey, e.idempotencyKey);
  }

  @Override
  public int hashCode() {
    return Objects.hash(run, session, subagent, model, provider, tokens, timestamp, idempotencyKey);
  }

  @Override
  public String toString() {
    return "UsageEvent{run=" + run + ", session=" + session + ", subagent=" + subagent
        + ", model=" + model + ", " + tokens + (idempotencyKey == null ? "" : ", key=" + idempotencyKey)
        + "}";
  }

  public static final class Builder {
    private String run;
    private String session;
    private String subagent;
    private String model;
    private String provider;
    private long input;
    private long output;
    private long cacheRead;
    private long cacheWrite5m;
    private long cacheWrite1h;
    private Instant timestamp;
    private String idempotencyKey;

    private Builder() {}

    public Builder run(String run) {
      this.run = run;
      return this;
    }

    public Builder session(String session) {
      this.session = session;
      return this;
    }

    public Builder subagent(String subagent) {
      this.subagent = subagent;
      return this;
    }

    public Builder model(String model) {
      this.model = model;
      return this;
    }

    public Builder provider(String provider) {
      this.provider = provider;
      return this;
    }

    public Builder inputTokens(long n) {
      this.input = n;
      return this;
    }

    public Builder outputTokens(long n) {
      this.output = n;
      return this;
    }

    public Builder cacheReadTokens(long n) {
      this.cacheRead = n;
      return this;
    }

    public Builder cacheWrite5mTokens(long n) {
      this.cacheWrite5m = n;
      return this;
    }

    public Builder cacheWrite1hTokens(long n) {
      this.cacheWrite1h = n;
      return this;
    }

    public Builder tokens(TokenCounts t) {
      this.input = t.input();
      this.output = t.output();
      this.cacheRead = t.cacheRead();
      this.cacheWrite5m = t.cacheWrite5m();
      this.cacheWrite1h = t.cacheWrite1h();
      return this;
    }

    public Builder timestamp(Instant timestamp) {
      this.timestamp = timestamp;
      return this;
    }

    public Builder idempotencyKey(String key) {
      this.idempotencyKey = key;
      return this;
    }

    /** @throws IllegalArgumentException naming the field that is missing or wrong */
    public UsageEvent build() {
      if (run == null || run.isBlank()) {
        throw new IllegalArgumentException("run is required");
      }
      if (model == null || model.isBlank()) {
        throw new IllegalArgumentException("model is required");
      }
      return new UsageEvent(this, TokenCounts.of(input, output, cacheRead, cacheWrite5m, cacheWrite1h));
    }
  }
}
