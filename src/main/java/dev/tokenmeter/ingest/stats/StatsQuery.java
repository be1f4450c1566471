package dev.tokenmeter.ingest.stats;

import dev.tokenmeter.pricing.PriceBook;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;

/** What {@code tokens:stats} reads, how it groups and filters, and how it prices. Immutable; build with {@link #builder()}. */
public final class StatsQuery {

  private final Path runsDir;
  private final Path claudeDir;
  private final List<Dimension> groupBy;
  private final Instant since;
  private final Instant until;
  private final Set<String> runs;
  private final Set<String> models;
  private final CostMode costMode;
  private final PriceBook priceBook;
  private final ZoneId zone;
  private final int maxLineBytes;
  private final int maxErrorsKept;

  private StatsQuery(Builder b) {
    this.runsDir = b.runsDir;
    this.claudeDir = b.claudeDir;
    this.groupBy = List.copyOf(b.groupBy);
    this.since = b.since;
    this.until = b.until;
    this.runs = Set.copyOf(b.runs);
    this.models = Set.copyOf(b.models);
    this.costMode = b.costMode;
    this.priceBook = b.priceBook;
    this.zone = b.zone;
    this.maxLineBytes = b.maxLineBytes;
    this.maxErrorsKept = b.maxErrorsKept;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The babysitter runs directory, or null. */
  public Path runsDir() {
    return runsDir;
  }

  /** The Claude Code projects directory, or null. */
  public Path claudeDir() {
    return claudeDir;
  }

  public List<Dimension> groupBy() {
    return groupBy;
  }

  /** Calls at or after this instant, or null for no lower bound. */
  public Instant since() {
    return since;
  }

  /** Calls before this instant, or null for no upper bound. */
  public Instant until() {
    return until;
  }

  /** Only these runs; empty for all. */
  public Set<String> runs() {
    return runs;
  }

  /** Only these models, by the name the API reported; empty for all. */
  public Set<String> models() {
    return models;
  }

  public CostMode costMode() {
    return costMode;
  }

  public PriceBook priceBook() {
    return priceBook;
  }

  public ZoneId zone() {
    return zone;
  }

  public int maxLineBytes() {
    return maxLineBytes;
  }

  public int maxErrorsKept() {
    return maxErrorsKept;
  }

  public static final class Builder {
    private Path runsDir;
    private Path claudeDir;
    private List<Dimension> groupBy = List.of();
    private Instant since;
    private Instant until;
    private Set<String> runs = Set.of();
    private Set<String> models = Set.of();
    private CostMode costMode = CostMode.AUTO;
    private PriceBook priceBook;
    private ZoneId zone = ZoneOffset.UTC;
    private int maxLineBytes = dev.tokenmeter.ingest.LineReader.DEFAULT_MAX_LINE_BYTES;
    private int maxErrorsKept = 1000;

    private Builder() {}

    public Builder runsDir(Path dir) {
      this.runsDir = dir;
      return this;
    }

    public Builder claudeDir(Path dir) {
      this.claudeDir = dir;
      return this;
    }

    public Builder groupBy(List<Dimension> dimensions) {
      this.groupBy = dimensions;
      return this;
    }

    public Builder since(Instant since) {
      this.since = since;
      return this;
    }

    public Builder until(Instant until) {
      this.until = until;
      return this;
    }

    public Builder runs(Set<String> runs) {
      this.runs = runs;
      return this;
    }

    public Builder models(Set<String> models) {
      this.models = models;
      return this;
    }

    public Builder costMode(CostMode mode) {
      this.costMode = mode;
      return this;
    }

    public Builder priceBook(PriceBook book) {
      this.priceBook = book;
      return this;
    }

    public Builder zone(ZoneId zone) {
      this.zone = zone;
      return this;
    }

    /** Transcript lines longer than this are skipped and reported. */
    public Builder maxLineBytes(int bytes) {
      this.maxLineBytes = bytes;
      return this;
    }

    /** Errors past this many are counted, not kept. */
    public Builder maxErrorsKept(int n) {
      this.maxErrorsKept = n;
      return this;
    }

    /** @throws IllegalArgumentException when nothing is to be read or the bounds are reversed */
    public StatsQuery build() {
      if (runsDir == null && claudeDir == null) {
        throw new IllegalArgumentException("give a runs directory, a Claude projects directory, or both");
      }
      if (priceBook == null) {
        priceBook = PriceBook.empty();
      }
      if (since != null && until != null && !since.isBefore(until)) {
        throw new IllegalArgumentException("since (" + since + ") must be before until (" + until + ")");
      }
      if (maxLineBytes < 1 || maxErrorsKept < 0) {
        throw new IllegalArgumentException("maxLineBytes must be positive and maxErrorsKept not negative");
      }
      return new StatsQuery(this);
    }
  }
}
