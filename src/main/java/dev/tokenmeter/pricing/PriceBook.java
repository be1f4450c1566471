package dev.tokenmeter.pricing;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * An immutable set of model prices and the rules that find a model's entry by the name an API
 * reported (DESIGN section 3): the exact name, then an alias, then the same two after stripping a
 * provider prefix ({@code anthropic/}), a cloud region prefix ({@code us.}) and a date suffix
 * ({@code -20250929}), then the first entry whose {@code match} regex matches.
 */
public final class PriceBook {

  private static final Pattern PROVIDER_PREFIX = Pattern.compile("^.*/");
  private static final Pattern REGION_PREFIX =
      Pattern.compile("^(?:us|eu|apac|au|jp|ca|global|us-gov)\\.", Pattern.CASE_INSENSITIVE);
  private static final Pattern VENDOR_PREFIX =
      Pattern.compile("^(?:anthropic|openai|google|meta|mistral|cohere|amazon)\\.", Pattern.CASE_INSENSITIVE);
  private static final Pattern VERSION_SUFFIX = Pattern.compile("-v\\d+(?::\\d+)?$");
  private static final Pattern DATE_SUFFIX =
      Pattern.compile("(?:[-@]\\d{8}|-\\d{4}-\\d{2}-\\d{2})$");
  /** Bounds the lookup cache against a flood of distinct model names. */
  private static final int MAX_CACHED_LOOKUPS = 10_000;

  private final List<ModelPrice> models;
  private final Map<String, ModelPrice> byName;
  private final String source;
  private final LocalDate checkedOn;
  private final ConcurrentHashMap<String, Optional<ModelPrice>> lookups = new ConcurrentHashMap<>();

  private PriceBook(Collection<ModelPrice> models, String source, LocalDate checkedOn) {
    this.models = List.copyOf(models);
    Map<String, ModelPrice> names = new HashMap<>();
    for (ModelPrice m : this.models) {
      names.putIfAbsent(m.name().toLowerCase(Locale.ROOT), m);
    }
    for (ModelPrice m : this.models) {
      for (String alias : m.aliases()) {
        names.putIfAbsent(alias.toLowerCase(Locale.ROOT), m);
      }
    }
    this.byName = names;
    this.source = source;
    this.checkedOn = checkedOn;
  }

  /** A book of these models; a later entry with the same name replaces an earlier one. */
  public static PriceBook of(Collection<ModelPrice> models, String source, LocalDate checkedOn) {
    Map<String, ModelPrice> unique = new LinkedHashMap<>();
    for (ModelPrice m : models) {
      unique.put(m.name(), m);
    }
    return new PriceBook(unique.values(), source, checkedOn);
  }

  public static PriceBook empty() {
    return new PriceBook(List.of(), "empty", null);
  }

  public List<ModelPrice> models() {
    return models;
  }

  /** Where the book came from, for messages: a file path or "bundled". */
  public String source() {
    return source;
  }

  /** The date the prices were checked, or null when the source does not say. */
  public LocalDate checkedOn() {
    return checkedOn;
  }

  public int size() {
    return models.size();
  }

  /**
   * This book with {@code overrides} laid over it model by model: an entry of {@code overrides}
   * replaces this book's entry of the same name, and its aliases and regex are tried first.
   */
  public PriceBook overriddenBy(PriceBook overrides) {
    Map<String, ModelPrice> merged = new LinkedHashMap<>();
    for (ModelPrice m : overrides.models) {
      merged.put(m.name(), m);
    }
    for (ModelPrice m : models) {
      merged.putIfAbsent(m.name(), m);
    }
    return new PriceBook(merged.values(), overrides.source + " over " + source, overrides.checkedOn != null ? overrides.checkedOn : checkedOn);
  }

  /** The entry for a reported model name, or null when the book has no price for it. */
  public ModelPrice find(String model) {
    if (model == null) {
      return null; // ConcurrentHashMap takes no null key; a missing name has no price
    }
    Optional<ModelPrice> cached = lookups.get(model);
    if (cached != null) {
      return cached.orElse(null);
    }
    ModelPrice found = resolve(model);
    if (lookups.size() < MAX_CACHED_LOOKUPS) {
      lookups.put(model, Optional.ofNullable(found));
    }
    return found;
  }

  private ModelPrice resolve(String model) {
    String lower = model.toLowerCase(Locale.ROOT);
    ModelPrice m = byName.get(lower);
    if (m != null) {
      return m;
    }
    List<String> candidates = new ArrayList<>();
    String stripped = PROVIDER_PREFIX.matcher(lower).replaceFirst("");
    candidates.add(stripped);
    stripped = REGION_PREFIX.matcher(stripped).replaceFirst("");
    candidates.add(stripped);
    stripped = VENDOR_PREFIX.matcher(stripped).replaceFirst("");
    candidates.add(stripped);
    stripped = VERSION_SUFFIX.matcher(stripped).replaceFirst("");
    candidates.add(stripped);
    stripped = DATE_SUFFIX.matcher(stripped).replaceFirst("");
    candidates.add(stripped);
    for (String c : candidates) {
      m = byName.get(c);
      if (m != null) {
        return m;
      }
    }
    for (ModelPrice p : models) {
      Pattern re = p.match();
      if (re != null && (re.matcher(model).find() || re.matcher(stripped).find())) {
        return p;
      }
    }
    return null;
  }
}
