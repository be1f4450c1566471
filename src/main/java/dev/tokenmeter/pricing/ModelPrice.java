package dev.tokenmeter.pricing;

import dev.tokenmeter.usage.TokenCounts;
import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The prices of one model: base prices and, optionally, a long-context tier that applies to all
 * tokens of a request whose context tokens (input, cache read and cache writes) exceed
 * {@link #longContextAbove()}. Immutable.
 */
public final class ModelPrice {

  private final String name;
  private final String provider;
  private final List<String> aliases;
  private final Pattern match;
  private final Prices base;
  private final long longContextAbove;
  private final Prices longContext;

  private ModelPrice(Builder b) {
    this.name = b.name;
    this.provider = b.provider;
    this.aliases = List.copyOf(b.aliases);
    this.match = b.match;
    this.base = b.base;
    this.longContextAbove = b.longContext == null ? 0 : b.longContextAbove;
    this.longContext = b.longContext;
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  /** The provider, or null. */
  public String provider() {
    return provider;
  }

  public List<String> aliases() {
    return aliases;
  }

  /** The regex a model name may match, or null. */
  public Pattern match() {
    return match;
  }

  public Prices base() {
    return base;
  }

  /** The long-context threshold in tokens, or 0 when the model has no such tier. */
  public long longContextAbove() {
    return longContextAbove;
  }

  /** The long-context prices, or null. */
  public Prices longContext() {
    return longContext;
  }

  /** Whether one request with this many context tokens is billed at the long-context tier. */
  public boolean isLongContext(long contextTokens) {
    return longContext != null && contextTokens > longContextAbove;
  }

  public Prices prices(boolean longContextTier) {
    return longContextTier && longContext != null ? longContext : base;
  }

  /** The exact cost of tokens already split by tier. */
  public BigDecimal cost(TokenCounts baseTier, TokenCounts longContextTier) {
    BigDecimal c = base.cost(baseTier);
    if (!longContextTier.isZero()) {
      c = c.add(prices(true).cost(longContextTier));
    }
    return c.stripTrailingZeros();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ModelPrice)) {
      return false;
    }
    ModelPrice m = (ModelPrice) o;
    return name.equals(m.name)
        && Objects.equals(provider, m.provider)
        && aliases.equals(m.aliases)
        && Objects.equals(match == null ? null : match.pattern(), m.match == null ? null : m.match.pattern())
        && base.equals(m.base)
        && longContextAbove == m.longContextAbove
        && Objects.equals(longContext, m.longContext);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, provider, aliases, base, longContextAbove, longContext);
  }

  @Override
  public String toString() {
    return "ModelPrice{" + name + ", base=" + base
        + (longContext == null ? "" : ", above " + longContextAbove + "=" + longContext) + "}";
  }

  public static final class Builder {
    private final String name;
    private String provider;
    private List<String> aliases = List.of();
    private Pattern match;
    private Prices base;
    private long longContextAbove;
    private Prices longContext;

    private Builder(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("model name is required");
      }
      this.name = name;
    }

    public Builder provider(String provider) {
      this.provider = provider;
      return this;
    }

    public Builder aliases(List<String> aliases) {
      this.aliases = aliases;
      return this;
    }

    public Builder match(Pattern match) {
      this.match = match;
      return this;
    }

    public Builder base(Prices base) {
      this.base = base;
      return this;
    }

    /** A long-context tier: all tokens of a request above {@code aboveTokens} at these prices. */
    public Builder longContext(long aboveTokens, Prices prices) {
      if (aboveTokens <= 0) {
        throw new IllegalArgumentException("long_context.above_tokens must be positive, got " + aboveTokens);
      }
      this.longContextAbove = aboveTokens;
      this.longContext = prices;
      return this;
    }

    public ModelPrice build() {
      if (base == null) {
        throw new IllegalArgumentException("model " + name + ": base prices are required");
      }
      return new ModelPrice(this);
    }
  }
}
