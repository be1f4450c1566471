package dev.tokenmeter.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

  /** A short description of a parse failure, without Jackson's source excerpt. */
  static String describe(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (e.getLocation() != null) {
      m += " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }
    return m;
  }
}
