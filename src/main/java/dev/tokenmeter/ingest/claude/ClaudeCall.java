package dev.tokenmeter.ingest.claude;

import dev.tokenmeter.usage.TokenCounts;
import dev.tokenmeter.usage.UsageEvent;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;

/**
 * One copy of one API response as a transcript line records it, with its labels resolved: run
 * and session are the Claude Code session id, subagent is the role. Several copies of one
 * response share a {@link #key()}; {@link ResponseDedupe} turns them into one call. Immutable.
 */
public final class ClaudeCall {

  private final String key;
  private final String session;
  private final String subagent;
  private final String model;
  private final TokenCounts tokens;
  private final BigDecimal reportedCostUsd;
  private final Instant timestamp;
  private final Path file;
  private final long line;

  ClaudeCall(String key, String session, String subagent, String model, TokenCounts tokens,
      BigDecimal reportedCostUsd, Instant timestamp, Path file, long line) {
    this.key = key;
    this.session = session;
    this.subagent = subagent;
    this.model = model;
    this.tokens = tokens;
    this.reportedCostUsd = reportedCostUsd;
    this.timestamp = timestamp;
    this.file = file;
    this.line = line;
  }

  /** {@code message.id} and {@code requestId}: the same for every copy of one response. */
  public String key() {
    return key;
  }

  /** The run: a Claude Code session is the run. */
  public String run() {
    return session;
  }

  public String session() {
    return session;
  }

  /** {@code agentType} of the subagent file, {@code subagent} for other sidechains, else {@code main}. */
  public String subagent() {
    return subagent;
  }

  public String model() {
    return model;
  }

  public TokenCounts tokens() {
    return tokens;
  }

  /** {@code costUSD} as the line reported it, or null. */
  public BigDecimal reportedCostUsd() {
    return reportedCostUsd;
  }

  /** The line's timestamp, or null. */
  public Instant timestamp() {
    return timestamp;
  }

  public Path file() {
    return file;
  }

  public long line() {
    return line;
  }

  /** This copy as a usage event; its idempotency key is the response key. */
  public UsageEvent toUsageEvent() {
    return UsageEvent.builder()
        .run(session)
        .session(session)
        .subagent(subagent)
        .model(model)
        .provider("anthropic")
        .tokens(tokens)
        .timestamp(timestamp)
        .idempotencyKey(key)
        .build();
  }

  @Override
  public String toString() {
    return "ClaudeCall{" + key + ", session=" + session + ", subagent=" + subagent + ", model="
        + model + ", " + tokens + ", at " + file.getFileName() + ":" + line + "}";
  }
}
