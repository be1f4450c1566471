package dev.tokenmeter.pricing;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tokenmeter.usage.TokenType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes a {@link PriceBook} in the native YAML format, which {@link PriceBookLoader} reads back. */
public final class NativePriceWriter {

  private static final YAMLMapper YAML =
      YAMLMapper.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
          .build();

  private NativePriceWriter() {}

  public static String write(PriceBook book) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("version", NativePriceFile.VERSION);
    if (book.checkedOn() != null) {
      root.put("checked_on", book.checkedOn().toString());
    }
    List<Object> models = new ArrayList<>();
    for (ModelPrice m : book.models()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("name", m.name());
      if (m.provider() != null) {
        e.put("provider", m.provider());
      }
      if (!m.aliases().isEmpty()) {
        e.put("aliases", m.aliases());
      }
      if (m.match() != null) {
        e.put("match", m.match().pattern());
      }
      e.put("per_million", perMillion(m.base()));
      if (m.longContext() != null) {
        Map<String, Object> tier = new LinkedHashMap<>();
        tier.put("above_tokens", m.longContextAbove());
        tier.put("per_million", perMillion(m.longContext()));
        e.put("long_context", tier);
      }
      models.add(e);
    }
    root.put("models", models);
    try {
      return YAML.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write price book", e);
    }
  }

  private static Map<String, Object> perMillion(Prices p) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (TokenType t : TokenType.all()) {
      out.put(t.label(), p.perMillion(t));
    }
    return out;
  }
}
