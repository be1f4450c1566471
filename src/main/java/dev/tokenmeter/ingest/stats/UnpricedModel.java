package dev.tokenmeter.ingest.stats;

import dev.tokenmeter.usage.TokenCounts;

/** A model whose tokens could not be priced, and how many. Immutable. */
public final class UnpricedModel {

  private final String model;
  private final TokenCounts tokens;

  UnpricedModel(String model, TokenCounts tokens) {
    this.model = model;
    this.tokens = tokens;
  }

  public String model() {
    return model;
  }

  public TokenCounts tokens() {
    return tokens;
  }

  @Override
  public String toString() {
    return "UnpricedModel{" + model + ", " + tokens + "}";
  }
}
