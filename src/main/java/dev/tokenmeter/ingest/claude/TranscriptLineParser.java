package dev.tokenmeter.ingest.claude;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tokenmeter.ingest.JsonFields;
import dev.tokenmeter.usage.TokenCounts;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The fast path of {@link TranscriptReader}: one streaming pass over a line that reads only the
 * fields a call needs and skips the rest (message content, tool results: most of the bytes)
 * without building a tree or decoding their strings.
 *
 * <p>It decides only what it is sure of: a well-formed line it can turn into a call, or into no
 * call (another line type, no usage, a synthetic message). Anything else (bad JSON, a field of
 * an unexpected type, a required field missing, a number that is not a plain non-negative long)
 * returns {@link #UNSURE}, and the tree parser reads the line again and reports exactly what is
 * wrong. So both paths agree on every line, and bad lines cost what they did before.
 */
final class TranscriptLineParser {

  /** Not decided here: parse the line as a tree. */
  static final ClaudeCall UNSURE = new ClaudeCall(
      "", "", "", "", TokenCounts.ZERO, null, null, Path.of(""), 0);

  private static final JsonFactory FACTORY = JsonFields.READER.getFactory();

  private TranscriptLineParser() {}

  /** What the line records: a call, null for none, or {@link #UNSURE}. */
  static ClaudeCall parse(TranscriptFile file, byte[] bytes, int length, long lineNumber) {
    try (JsonParser p = FACTORY.createParser(bytes, 0, length)) {
      return parse(p, file, lineNumber);
    } catch (IOException | RuntimeException e) {
      return UNSURE;
    }
  }

  private static ClaudeCall parse(JsonParser p, TranscriptFile file, long lineNumber)
      throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return UNSURE;
    }
    String type = null;
    boolean hasMessage = false;
    Message message = null;
    String requestId = null;
    Boolean sidechain = null;
    String session = null;
    String timestamp = null;
    BigDecimal costUSD = null;
    BigDecimal costUsd = null;
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "type":
          type = text(v, p);
          break;
        case "message":
          hasMessage = v != JsonToken.VALUE_NULL;
          message = hasMessage ? message(v, p) : null;
          break;
        case "requestId":
          requestId = text(v, p);
          break;
        case "isSidechain":
          sidechain = bool(v);
          break;
        case "sessionId":
          session = text(v, p);
          break;
        case "timestamp":
          timestamp = text(v, p);
          break;
        case "costUSD":
          costUSD = amount(v, p);
          break;
        case "costUsd":
          costUsd = amount(v, p);
          break;
        default:
          p.skipChildren();
      }
    }
    if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
      return UNSURE; // two objects on one line, or not an object
    }
    if (type == null) {
      return UNSURE;
    }
    if (!type.equals("assistant")) {
      return null;
    }
    if (message == null) {
      return UNSURE; // missing, null, or not what a message is
    }
    if (!message.hasUsage) {
      return null; // an assistant line without usage (an error turn) is not a billed call
    }
    TokenCounts tokens = message.tokens();
    if (tokens == null) {
      return UNSURE;
    }
    String model = message.model;
    if (TranscriptReader.SYNTHETIC_MODEL.equals(model) && tokens.isZero()) {
      return null;
    }
    if (model == null || model.isEmpty() || message.id == null || message.id.isEmpty()) {
      return UNSURE;
    }
    if (session == null || session.isEmpty()) {
      session = file.sessionFromPath();
      if (session == null) {
        return UNSURE;
      }
    }
    Instant at = null;
    if (timestamp != null) {
      try {
        at = Instant.parse(timestamp);
      } catch (DateTimeParseException e) {
        return UNSURE;
      }
    }
    BigDecimal cost = costUSD != null ? costUSD : costUsd;
    String id = message.id;
    String key = requestId == null || requestId.isEmpty() ? id : id + "/" + requestId;
    return new ClaudeCall(key, session, file.subagentOf(Boolean.TRUE.equals(sidechain)), model,
        tokens, cost, at, file.path(), lineNumber);
  }

  /** The fields of {@code message} a call needs; null when unsure. */
  private static Message message(JsonToken start, JsonParser p) throws IOException {
    if (start != JsonToken.START_OBJECT) {
      throw Unsure.INSTANCE;
    }
    Message m = new Message();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "id":
          m.id = text(v, p);
          break;
        case "model":
          m.model = text(v, p);
          break;
        case "usage":
          m.readUsage(v, p);
          break;
        default:
          p.skipChildren();
      }
    }
    return m;
  }

  private static String text(JsonToken v, JsonParser p) throws IOException {
    if (v == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    throw Unsure.INSTANCE;
  }

  private static Boolean bool(JsonToken v) {
    if (v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE) {
      return v == JsonToken.VALUE_TRUE;
    }
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    throw Unsure.INSTANCE;
  }

  /** A count that fits a long and is not negative; -1 for absent or null. */
  private static long count(JsonToken v, JsonParser p) throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      return -1;
    }
    if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      long n = p.getLongValue();
      if (n >= 0) {
        return n;
      }
    }
    throw Unsure.INSTANCE; // fractions, negatives, huge numbers, strings: the tree parser says why
  }

  private static BigDecimal amount(JsonToken v, JsonParser p) throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
      BigDecimal d = p.getDecimalValue();
      if (d.signum() >= 0) {
        return d;
      }
    }
    throw Unsure.INSTANCE;
  }

  /** The fields of one {@code message}. */
  private static final class Message {
    String id;
    String model;
    boolean hasUsage;
    long input = -1;
    long output = -1;
    long read = -1;
    long writes = -1;
    boolean hasSplit;
    long split5m = -1;
    long split1h = -1;

    void readUsage(JsonToken start, JsonParser p) throws IOException {
      // Only the last usage of a line counts, as in a tree, where a repeated key replaces.
      hasUsage = false;
      input = output = read = writes = split5m = split1h = -1;
      hasSplit = false;
      if (start == JsonToken.VALUE_NULL) {
        return;
      }
      if (start != JsonToken.START_OBJECT) {
        throw Unsure.INSTANCE;
      }
      hasUsage = true;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "input_tokens":
            input = count(v, p);
            break;
          case "output_tokens":
            output = count(v, p);
            break;
          case "cache_read_input_tokens":
            read = count(v, p);
            break;
          case "cache_creation_input_tokens":
            writes = count(v, p);
            break;
          case "cache_creation":
            readSplit(v, p);
            break;
          default:
            p.skipChildren();
        }
      }
    }

    private void readSplit(JsonToken start, JsonParser p) throws IOException {
      hasSplit = false;
      split5m = split1h = -1;
      if (start == JsonToken.VALUE_NULL) {
        return;
      }
      if (start != JsonToken.START_OBJECT) {
        throw Unsure.INSTANCE;
      }
      hasSplit = true;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (name.equals("ephemeral_5m_input_tokens")) {
          split5m = count(v, p);
        } else if (name.equals("ephemeral_1h_input_tokens")) {
          split1h = count(v, p);
        } else {
          p.skipChildren();
        }
      }
    }

    /** The counts by the rule of {@link TranscriptReader#tokens}. */
    TokenCounts tokens() {
      long w = Math.max(0, writes);
      long w5 = w;
      long w1 = 0;
      if (hasSplit && (split5m >= 0 || split1h >= 0)) {
        w1 = Math.max(0, split1h);
        w5 = Math.max(Math.max(0, split5m), w - w1);
      }
      return TokenCounts.of(Math.max(0, input), Math.max(0, output), Math.max(0, read), w5, w1);
    }
  }

  /** Thrown on the first field the fast path is not sure of; cheap, without a stack. */
  private static final class Unsure extends RuntimeException {
    static final Unsure INSTANCE = new Unsure();

    private Unsure() {
      super(null, null, false, false);
    }
  }
}
