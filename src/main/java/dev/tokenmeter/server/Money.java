package dev.tokenmeter.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;

/** Parses USD amounts exactly, from a decimal string ({@code "2.00"}) or a JSON number. */
final class Money {

  private Money() {}

  /**
   * The amount of {@code field}, or null when absent or JSON null.
   *
   * @throws HttpError 400 naming the field when it is not a non-negative decimal
   */
  static BigDecimal parse(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    BigDecimal v;
    if (n.isNumber()) {
      v = n.decimalValue();
    } else if (n.isTextual()) {
      try {
        v = new BigDecimal(n.textValue().trim());
      } catch (NumberFormatException e) {
        throw HttpError.of(400, field + " must be a decimal USD amount like \"2.00\", got \"" + n.textValue() + "\"");
      }
    } else {
      throw HttpError.of(400, field + " must be a decimal USD amount like \"2.00\", got " + n);
    }
    if (v.signum() < 0) {
      throw HttpError.of(400, field + " must not be negative, got " + v.toPlainString());
    }
    if (v.scale() > 12 || v.precision() - v.scale() > 12) {
      throw HttpError.of(400, field + " is out of range (at most 12 integer and 12 decimal digits), got " + v.toPlainString());
    }
    return v;
  }
}
