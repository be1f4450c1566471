package dev.tokenmeter.pricing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads LiteLLM's {@code model_prices_and_context_window.json} as users download it.
 *
 * <p>Entries are read one at a time with Jackson's streaming parser, so that an error names the
 * line and the field. Prices are per token there; each is taken as the exact decimal of its JSON
 * text ({@link JsonParser#getDecimalValue()}, never a double) and moved six places to per million.
 *
 * <p>What loads:
 *
 * <ul>
 *   <li>an entry with {@code input_cost_per_token} and {@code output_cost_per_token};
 *   <li>an {@code embedding} entry with only the input price: embeddings produce no output tokens,
 *       so its output price is 0 and can never price a real token;
 *   <li>cache prices from {@code cache_read_input_token_cost}, {@code
 *       cache_creation_input_token_cost} (5 minutes) and {@code
 *       cache_creation_input_token_cost_above_1hr}; a missing one falls back as {@link Prices}
 *       says (read and 5-minute write to input, 1-hour write to 5-minute write);
 *   <li>the long-context tier from the {@code *_above_<N>k_tokens} keys: the lowest N that has
 *       both an input and an output price, above N x 1000 tokens; its missing cache prices fall
 *       back within the tier the same way. {@code *_priority} keys are another service tier, not
 *       a context tier, and are ignored.
 * </ul>
 *
 * <p>What is skipped and reported: {@code sample_spec} (LiteLLM's description of the format), any
 * member that is not an object ({@code last_updated}), entries with no per-token price (images,
 * audio, video priced per unit), and entries with only one side priced per token other than
 * embeddings: their other side is billed per image, pixel or second, and pricing it at 0 would be
 * the silent zero that DESIGN section 3 forbids.
 */
final class LiteLlmPriceFile {

  static final String INPUT = "input_cost_per_token";
  static final String OUTPUT = "output_cost_per_token";
  private static final String CACHE_READ = "cache_read_input_token_cost";
  private static final String CACHE_WRITE_5M = "cache_creation_input_token_cost";
  private static final String CACHE_WRITE_1H = "cache_creation_input_token_cost_above_1hr";
  private static final Set<String> BASE_KEYS =
      Set.of(INPUT, OUTPUT, CACHE_READ, CACHE_WRITE_5M, CACHE_WRITE_1H);
  private static final Pattern TIER_KEY = Pattern.compile(
      "(" + INPUT + "|" + OUTPUT + "|" + CACHE_READ + "|" + CACHE_WRITE_5M + "|" + CACHE_WRITE_1H
          + ")_above_(\\d{1,9})k_tokens");
  private static final String DOC_ENTRY = "sample_spec";
  private static final Set<String> NO_OUTPUT_MODES = Set.of("embedding");

  private static final JsonFactory JSON = JsonFactory.builder()
      .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .build();

  private final String file;

  private LiteLlmPriceFile(String file) {
    this.file = file;
  }

  /** @throws PriceFileException naming file, line and field of the first problem */
  static LoadResult parse(String content, String file) {
    return new LiteLlmPriceFile(file).parse(content);
  }

  private LoadResult parse(String content) {
    List<ModelPrice> models = new ArrayList<>();
    List<LoadResult.Skipped> skipped = new ArrayList<>();
    String entry = "";
    try (JsonParser p = JSON.createParser(content)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new PriceFileException(file, line(p), "",
            "expected a JSON object of model entries, got " + describe(p));
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        entry = p.currentName();
        int line = line(p);
        JsonToken value = p.nextToken();
        if (value != JsonToken.START_OBJECT) {
          p.skipChildren();
          skipped.add(new LoadResult.Skipped(entry, line, "not a model entry"));
        } else if (entry.equals(DOC_ENTRY)) {
          p.skipChildren();
          skipped.add(new LoadResult.Skipped(entry, line, "LiteLLM's description of the format"));
        } else if (entry.isBlank()) {
          throw new PriceFileException(file, line, "", "a model entry with an empty name");
        } else {
          Entry e = readEntry(p, entry);
          String reason = e.skipReason();
          if (reason != null) {
            skipped.add(new LoadResult.Skipped(entry, line, reason));
          } else {
            models.add(e.toModelPrice(entry));
          }
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT) {
        throw new PriceFileException(file, line(p), "", "expected an entry name, got " + describe(p));
      }
      if (p.nextToken() != null) {
        throw new PriceFileException(file, line(p), "", "unexpected content after the top-level object");
      }
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      throw new PriceFileException(file, line, entry, "invalid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // parsing a String does no I/O
    }
    if (models.isEmpty()) {
      throw new PriceFileException(file, 1, "",
          "no entry has per-token prices (" + INPUT + ", " + OUTPUT + "): not a LiteLLM price file");
    }
    return new LoadResult(PriceBook.of(models, file, null), LoadResult.Format.LITELLM, skipped);
  }

  private Entry readEntry(JsonParser p, String name) throws IOException {
    Entry e = new Entry();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      Matcher tier = TIER_KEY.matcher(field);
      boolean base = BASE_KEYS.contains(field);
      if (base || tier.matches()) {
        BigDecimal perMillion = price(p, value, name + "." + field);
        if (perMillion == null) {
          continue;
        }
        if (base) {
          e.base.put(field, perMillion);
        } else {
          int thousands = Integer.parseInt(tier.group(2));
          if (thousands == 0) {
            continue; // "_above_0k_tokens" is no tier: every request is above 0
          }
          e.tiers.computeIfAbsent(thousands, k -> new TreeMap<>()).put(tier.group(1), perMillion);
        }
      } else if (field.equals("litellm_provider") && value == JsonToken.VALUE_STRING) {
        e.provider = p.getText();
      } else if (field.equals("mode") && value == JsonToken.VALUE_STRING) {
        e.mode = p.getText();
      } else {
        p.skipChildren();
      }
    }
    return e;
  }

  /** A per-token price as an exact per-million decimal; null for a JSON null (not given). */
  private BigDecimal price(JsonParser p, JsonToken value, String field) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.VALUE_NUMBER_FLOAT && value != JsonToken.VALUE_NUMBER_INT) {
      throw new PriceFileException(file, line(p), field, "expected a number, got " + describe(p));
    }
    BigDecimal perToken;
    try {
      perToken = p.getDecimalValue();
    } catch (NumberFormatException e) {
      // Jackson throws it unchecked for an exponent past an int, such as 2.5e9999999999.
      throw new PriceFileException(file, line(p), field, "number out of range: " + p.getText());
    }
    if (perToken.signum() < 0) {
      throw new PriceFileException(file, line(p), field, "a price must not be negative, got " + p.getText());
    }
    // Not movePointRight: it expands a negative scale, so 1e999999999 would build a billion digits.
    BigDecimal perMillion;
    String range;
    try {
      perMillion = perToken.scaleByPowerOfTen(6).stripTrailingZeros();
      range = Prices.outOfRange(perMillion);
    } catch (ArithmeticException e) {
      perMillion = null; // the scale overflowed an int: 1E2147483647
      range = "is out of range";
    }
    if (range != null) {
      throw new PriceFileException(file, line(p), field, "per million tokens " + range + ", got " + p.getText());
    }
    return perMillion;
  }

  private static int line(JsonParser p) {
    return p.currentTokenLocation().getLineNr();
  }

  private static String describe(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == null) {
      return "the end of the file";
    }
    switch (t) {
      case VALUE_STRING:
        return "\"" + p.getText() + "\"";
      case START_OBJECT:
        return "an object";
      case START_ARRAY:
        return "an array";
      default:
        return p.getText();
    }
  }

  /** One entry's prices as read, before deciding whether it loads. */
  private static final class Entry {
    final Map<String, BigDecimal> base = new TreeMap<>();
    /** Tier prices by threshold in thousands of tokens, lowest first. */
    final TreeMap<Integer, Map<String, BigDecimal>> tiers = new TreeMap<>();
    String provider;
    String mode;

    String skipReason() {
      boolean in = base.containsKey(INPUT);
      boolean out = base.containsKey(OUTPUT);
      String m = mode == null ? "" : " (mode " + mode + ")";
      if (in && out) {
        return null;
      }
      if (in && mode != null && NO_OUTPUT_MODES.contains(mode)) {
        return null;
      }
      if (in) {
        return "input price per token only" + m + ": its output is not billed per token";
      }
      if (out) {
        return "output price per token only" + m + ": its input is not billed per token";
      }
      return "no per-token price" + m;
    }

    ModelPrice toModelPrice(String name) {
      ModelPrice.Builder b = ModelPrice.builder(name).provider(provider).base(prices(base));
      for (Map.Entry<Integer, Map<String, BigDecimal>> tier : tiers.entrySet()) {
        Map<String, BigDecimal> t = tier.getValue();
        if (t.containsKey(INPUT) && t.containsKey(OUTPUT)) {
          b.longContext(tier.getKey() * 1000L, prices(t));
          break;
        }
      }
      return b.build();
    }

    private static Prices prices(Map<String, BigDecimal> m) {
      return Prices.builder()
          .input(m.get(INPUT))
          // Only embeddings get here without an output price; they produce no output tokens.
          .output(m.getOrDefault(OUTPUT, BigDecimal.ZERO))
          .cacheRead(m.get(CACHE_READ))
          .cacheWrite5m(m.get(CACHE_WRITE_5M))
          .cacheWrite1h(m.get(CACHE_WRITE_1H))
          .build();
    }
  }
}
