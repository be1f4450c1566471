package dev.tokenmeter.ingest.claude;

import static dev.tokenmeter.ingest.JsonFields.bool;
import static dev.tokenmeter.ingest.JsonFields.count;
import static dev.tokenmeter.ingest.JsonFields.countOrZero;
import static dev.tokenmeter.ingest.JsonFields.instant;
import static dev.tokenmeter.ingest.JsonFields.object;
import static dev.tokenmeter.ingest.JsonFields.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.ingest.IngestError;
import dev.tokenmeter.ingest.IngestErrors;
import dev.tokenmeter.ingest.InvalidField;
import dev.tokenmeter.ingest.JsonFields;
import dev.tokenmeter.ingest.LineReader;
import dev.tokenmeter.ingest.Position;
import dev.tokenmeter.usage.TokenCounts;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Reads the assistant lines of a Claude Code transcript into {@link ClaudeCall}s, one per line
 * that records usage, from a {@link Position} on. Other line types ({@code user}, {@code summary},
 * {@code progress}, ...) are ignored; bad lines are reported once each and skipped. It does not
 * deduplicate: that needs state across files, kept in a {@link ResponseDedupe}.
 *
 * <p>Thread-safe and stateless: a live tailer keeps one and calls {@link #read} with each file's
 * last position.
 */
public final class TranscriptReader {

  static final String SYNTHETIC_MODEL = "<synthetic>";

  private final LineReader lines;

  public TranscriptReader(LineReader lines) {
    this.lines = lines;
  }

  public TranscriptReader() {
    this(new LineReader());
  }

  /** Reads the complete lines after {@code from}; returns the position to continue from. */
  public Position read(
      TranscriptFile file, Position from, Consumer<ClaudeCall> calls, IngestErrors errors) {
    return lines.read(file.path(), from, (bytes, length, lineNumber) -> {
      ClaudeCall call;
      try {
        call = parse(file, bytes, length, lineNumber);
      } catch (InvalidField e) {
        errors.report(new IngestError(file.path(), lineNumber, e.getMessage()));
        return;
      } catch (JsonProcessingException e) {
        errors.report(new IngestError(file.path(), lineNumber,
            "not valid JSON: " + JsonFields.parseProblem(e)));
        return;
      } catch (IOException e) {
        errors.report(new IngestError(file.path(), lineNumber, LineReader.describe(e)));
        return;
      }
      if (call != null) {
        calls.accept(call);
      }
    }, errors);
  }

  /** The call one line records, or null when the line records none. */
  static ClaudeCall parse(TranscriptFile file, byte[] bytes, int length, long lineNumber)
      throws IOException, InvalidField {
    ClaudeCall fast = TranscriptLineParser.parse(file, bytes, length, lineNumber);
    if (fast != TranscriptLineParser.UNSURE) {
      return fast;
    }
    return parseTree(file, bytes, length, lineNumber);
  }

  /**
   * The same, from a whole JSON tree: slower, but it names the field of any problem. The fast
   * parser leaves every line it is not sure of to this one.
   */
  static ClaudeCall parseTree(TranscriptFile file, byte[] bytes, int length, long lineNumber)
      throws IOException, InvalidField {
    JsonNode root = JsonFields.readTree(bytes, 0, length);
    if (root == null || !root.isObject()) {
      throw new InvalidField("line", "is not a JSON object");
    }
    String type = text(root, "type", "type");
    if (type == null) {
      throw new InvalidField("type", "is missing");
    }
    if (!type.equals("assistant")) {
      return null;
    }
    JsonNode message = object(root, "message", "message");
    if (message == null) {
      throw new InvalidField("message", "is missing");
    }
    JsonNode usage = object(message, "usage", "message.usage");
    if (usage == null) {
      return null; // an assistant line without usage (an error turn) is not a billed call
    }
    TokenCounts tokens = tokens(usage);
    String model = text(message, "model", "message.model");
    if (SYNTHETIC_MODEL.equals(model) && tokens.isZero()) {
      return null; // Claude Code's own stand-in messages: no API call behind them
    }
    if (model == null || model.isEmpty()) {
      throw new InvalidField("message.model", "is missing");
    }
    String id = text(message, "id", "message.id");
    if (id == null || id.isEmpty()) {
      throw new InvalidField("message.id", "is missing, so its copies cannot be told apart");
    }
    String requestId = text(root, "requestId", "requestId");
    Boolean sidechain = bool(root, "isSidechain", "isSidechain");
    String session = text(root, "sessionId", "sessionId");
    if (session == null || session.isEmpty()) {
      session = file.sessionFromPath();
      if (session == null) {
        throw new InvalidField("sessionId", "is missing");
      }
    }
    Instant timestamp = instant(root, "timestamp", "timestamp");
    BigDecimal cost = JsonFields.amount(root, "costUSD", "costUSD");
    if (cost == null) {
      cost = JsonFields.amount(root, "costUsd", "costUsd");
    }
    String key = requestId == null || requestId.isEmpty() ? id : id + "/" + requestId;
    return new ClaudeCall(key, session, file.subagentOf(Boolean.TRUE.equals(sidechain)), model,
        tokens, cost, timestamp, file.path(), lineNumber);
  }

  /**
   * The usage's counts. {@code cache_creation} splits the cache writes by lifetime; without it
   * (Claude Code before 1.0.100 or so) all writes are 5-minute writes, the API default. A split
   * that accounts for fewer tokens than the total leaves the rest at 5 minutes.
   */
  static TokenCounts tokens(JsonNode usage) throws InvalidField {
    long input = countOrZero(usage, "input_tokens", "message.usage.input_tokens");
    long output = countOrZero(usage, "output_tokens", "message.usage.output_tokens");
    long read = countOrZero(usage, "cache_read_input_tokens", "message.usage.cache_read_input_tokens");
    long writes = countOrZero(
        usage, "cache_creation_input_tokens", "message.usage.cache_creation_input_tokens");
    long w5 = writes;
    long w1 = 0;
    JsonNode split = object(usage, "cache_creation", "message.usage.cache_creation");
    if (split != null) {
      Long s5 = count(split, "ephemeral_5m_input_tokens",
          "message.usage.cache_creation.ephemeral_5m_input_tokens");
      Long s1 = count(split, "ephemeral_1h_input_tokens",
          "message.usage.cache_creation.ephemeral_1h_input_tokens");
      if (s5 != null || s1 != null) {
        w1 = s1 == null ? 0 : s1;
        w5 = Math.max(s5 == null ? 0 : s5, writes - w1);
      }
    }
    return TokenCounts.of(input, output, read, w5, w1);
  }
}
