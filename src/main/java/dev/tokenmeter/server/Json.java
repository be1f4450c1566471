package dev.tokenmeter.server;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;

/** The one JSON configuration of the HTTP surface: exact decimals, no duplicate keys. */
public final class Json {

  /** Decimals stay exact ({@code 1.10} is not a double) and a repeated key is an error. */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .build();

  private Json() {}

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** Money as a decimal string in USD, never a float; null stays null. */
  public static String money(BigDecimal usd) {
    return usd == null ? null : usd.stripTrailingZeros().toPlainString();
  }

  static String instant(Instant t) {
    return t == null ? null : t.toString();
  }

  public static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads a whole body as a tree ({@code null} when it holds no value). A failure of a read limit,
   * such as the nesting depth, comes without a location from Jackson: it gets the parser's, so
   * that {@link #describe} can say where the body went wrong. A number whose exponent does not fit
   * an int ({@code 2.5e9999999999}) is a parse error too: Jackson throws it unchecked.
   */
  static JsonNode readTree(String body) throws JsonProcessingException {
    try (JsonParser p = MAPPER.createParser(body)) {
      try {
        return MAPPER.readTree(p);
      } catch (JsonProcessingException e) {
        if (e.getLocation() != null) {
          throw e;
        }
        throw new JsonParseException(p, e.getOriginalMessage(), e);
      } catch (NumberFormatException e) {
        throw new JsonParseException(p, "number out of range: " + e.getMessage(), e);
      }
    } catch (JsonProcessingException e) {
      throw e;
    } catch (IOException e) {
      throw new IllegalStateException("reading a String does no I/O", e);
    }
  }

  /** A short description of a parse failure, without Jackson's source excerpt. */
  static String describe(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (e.getLocation() != null) {
      m += " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }
    return m;
  }
}
