package dev.tokenmeter.ingest.stats;

import dev.tokenmeter.ingest.IngestError;
import java.util.List;
import java.util.Map;

/** The result of {@code tokens:stats}: totals, one row per group, unpriced models, ingest errors. Immutable. */
public final class TokenStats {

  private final List<Dimension> groupBy;
  private final CostMode costMode;
  private final StatsRow totals;
  private final List<StatsRow> groups;
  private final List<UnpricedModel> unpriced;
  private final Map<String, String> endedRuns;
  private final List<IngestError> errors;
  private final long errorCount;

  TokenStats(List<Dimension> groupBy, CostMode costMode, StatsRow totals, List<StatsRow> groups,
      List<UnpricedModel> unpriced, Map<String, String> endedRuns, List<IngestError> errors,
      long errorCount) {
    this.groupBy = List.copyOf(groupBy);
    this.costMode = costMode;
    this.totals = totals;
    this.groups = List.copyOf(groups);
    this.unpriced = List.copyOf(unpriced);
    this.endedRuns = Map.copyOf(endedRuns);
    this.errors = List.copyOf(errors);
    this.errorCount = errorCount;
  }

  public List<Dimension> groupBy() {
    return groupBy;
  }

  public CostMode costMode() {
    return costMode;
  }

  public StatsRow totals() {
    return totals;
  }

  /** One row per distinct key, sorted by key; the totals alone when there is no grouping. */
  public List<StatsRow> groups() {
    return groups;
  }

  /** Models with tokens that could not be priced, by name. */
  public List<UnpricedModel> unpriced() {
    return unpriced;
  }

  /** Babysitter runs whose journal ended them, with the ending entry type. */
  public Map<String, String> endedRuns() {
    return endedRuns;
  }

  /** The first errors, up to the query's limit, in the order met. */
  public List<IngestError> errors() {
    return errors;
  }

  /** All errors, also those not kept. */
  public long errorCount() {
    return errorCount;
  }
}
