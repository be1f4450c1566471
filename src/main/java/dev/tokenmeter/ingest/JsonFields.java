package dev.tokenmeter.ingest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tokenmeter.usage.TokenCounts;
import java.io.CharConversionException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Typed access to the fields of parsed input records, with messages that name the field. A field
 * that is absent or JSON {@code null} reads as null; a field of the wrong type, a negative count
 * or a fraction where a count belongs is an {@link InvalidField}.
 */
public final class JsonFields {

  /**
   * Strict about what a line holds (two objects on one line are an error), exact about numbers
   * (decimals become {@link BigDecimal}, never {@code double}).
   */
  public static final ObjectReader READER = mapper().reader();

  private JsonFields() {}

  private static ObjectMapper mapper() {
    return JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
        .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
        .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
        .build();
  }

  /**
   * Reads one JSON document with {@link #READER}; null or a missing node when there is none. A
   * number whose exponent does not fit an int ({@code 2.5e9999999999}) is a parse error with its
   * location: Jackson throws it as an unchecked {@link NumberFormatException}.
   */
  public static JsonNode readTree(byte[] bytes, int offset, int length) throws IOException {
    try (JsonParser p = READER.createParser(bytes, offset, length)) {
      try {
        return READER.readTree(p);
      } catch (NumberFormatException e) {
        throw new JsonParseException(p, "number out of range: " + e.getMessage(), e);
      }
    } catch (CharConversionException e) {
      // Jackson guesses UTF-16 or UTF-32 from the first four bytes; on some (00 00 FF FE, ...) it
      // gives up with this I/O exception. Our inputs are UTF-8: this is bad JSON, not bad I/O.
      throw new JsonParseException(null, "not UTF-8 JSON: " + e.getMessage());
    }
  }

  /** A token count: a whole number in 0..{@link TokenCounts#MAX_PER_EVENT}; null when absent. */
  public static Long count(JsonNode parent, String name, String path) throws InvalidField {
    JsonNode n = parent.get(name);
    if (n == null || n.isNull()) {
      return null;
    }
    BigInteger v;
    if (n.isIntegralNumber()) {
      v = n.bigIntegerValue();
    } else if (n.isNumber() && isWhole(n.decimalValue())) {
      BigDecimal d = n.decimalValue();
      if ((long) d.precision() - d.scale() > 19) { // long: the scale can be -2147483647
        // 1e999999999 is whole too: never expand it into a BigInteger (an overflow or a hang).
        throw new InvalidField(path, "is too large: " + abbreviate(n) + " (at most " + TokenCounts.MAX_PER_EVENT + ")");
      }
      v = d.toBigIntegerExact(); // 12.0 is a count; 12.5 is not
    } else {
      throw new InvalidField(path, "must be a whole number, got " + abbreviate(n));
    }
    if (v.signum() < 0) {
      throw new InvalidField(path, "must not be negative, got " + v);
    }
    if (v.compareTo(BigInteger.valueOf(TokenCounts.MAX_PER_EVENT)) > 0) {
      throw new InvalidField(path, "is too large: " + abbreviate(n) + " (at most " + TokenCounts.MAX_PER_EVENT + ")");
    }
    return v.longValue();
  }

  /** A count that reads as 0 when absent. */
  public static long countOrZero(JsonNode parent, String name, String path) throws InvalidField {
    Long v = count(parent, name, path);
    return v == null ? 0 : v;
  }

  /** A non-negative decimal amount (a reported cost); null when absent. */
  public static BigDecimal amount(JsonNode parent, String name, String path) throws InvalidField {
    JsonNode n = parent.get(name);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isNumber()) {
      throw new InvalidField(path, "must be a number, got " + abbreviate(n));
    }
    BigDecimal v = n.decimalValue();
    if (v.signum() < 0) {
      throw new InvalidField(path, "must not be negative, got " + abbreviate(n));
    }
    if (!isPlainAmount(v)) {
      throw new InvalidField(path, "is out of range, got " + abbreviate(n));
    }
    return v;
  }

  public static String text(JsonNode parent, String name, String path) throws InvalidField {
    JsonNode n = parent.get(name);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw new InvalidField(path, "must be a string, got " + abbreviate(n));
    }
    return n.textValue();
  }

  public static String requiredText(JsonNode parent, String name, String path) throws InvalidField {
    String s = text(parent, name, path);
    if (s == null || s.isEmpty()) {
      throw new InvalidField(path, "is missing");
    }
    return s;
  }

  public static Boolean bool(JsonNode parent, String name, String path) throws InvalidField {
    JsonNode n = parent.get(name);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isBoolean()) {
      throw new InvalidField(path, "must be true or false, got " + abbreviate(n));
    }
    return n.booleanValue();
  }

  /** An object field, or null when absent. */
  public static JsonNode object(JsonNode parent, String name, String path) throws InvalidField {
    JsonNode n = parent.get(name);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw new InvalidField(path, "must be an object, got " + abbreviate(n));
    }
    return n;
  }

  /** An ISO-8601 instant such as {@code 2026-02-16T18:46:55.028Z}; null when absent. */
  public static Instant instant(JsonNode parent, String name, String path) throws InvalidField {
    String s = text(parent, name, path);
    if (s == null) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new InvalidField(path, "is not an ISO-8601 time: " + abbreviate(parent.get(name)));
    }
  }

  /** A short reason for a parse failure, without the (possibly huge) source text. */
  public static String parseProblem(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (m == null) {
      m = e.getClass().getSimpleName();
    }
    int cut = m.indexOf('\n');
    if (cut >= 0) {
      m = m.substring(0, cut);
    }
    if (m.length() > 160) {
      m = m.substring(0, 157) + "...";
    }
    JsonLocation at = e.getLocation();
    return at == null || at.getColumnNr() < 1 ? m : m + " (column " + at.getColumnNr() + ")";
  }

  /**
   * Below 10^15 and with at most 24 decimal places: summing amounts like 1e999999999 or
   * 1e-999999999 would build numbers of a billion digits (a hang in tokens:stats).
   */
  public static boolean isPlainAmount(BigDecimal d) {
    return d.signum() == 0 || ((long) d.precision() - d.scale() <= 15 && d.scale() <= 24);
  }

  private static boolean isWhole(BigDecimal d) {
    return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
  }

  /** The node as JSON, cut short: messages must stay small even for a 5 MB field. */
  public static String abbreviate(JsonNode n) {
    String s = n.toString();
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
