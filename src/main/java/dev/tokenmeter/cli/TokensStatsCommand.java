package dev.tokenmeter.cli;

import dev.tokenmeter.ingest.DefaultDirectories;
import dev.tokenmeter.ingest.IngestError;
import dev.tokenmeter.ingest.stats.CostMode;
import dev.tokenmeter.ingest.stats.Dimension;
import dev.tokenmeter.ingest.stats.StatsCsv;
import dev.tokenmeter.ingest.stats.StatsJson;
import dev.tokenmeter.ingest.stats.StatsQuery;
import dev.tokenmeter.ingest.stats.StatsTable;
import dev.tokenmeter.ingest.stats.TokenStats;
import dev.tokenmeter.ingest.stats.TokenStatsScanner;
import dev.tokenmeter.pricing.DefaultPriceBook;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.PriceBookLoader;
import dev.tokenmeter.pricing.PriceFileException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter tokens:stats}: reads babysitter journals and Claude Code transcripts after the
 * fact and prints calls, tokens and cost, grouped and filtered. Exit 0 when the numbers were
 * printed (input problems are counted and shown on stderr, not fatal); 2 for a bad flag, value or
 * directory; 1 for an unexpected failure.
 */
@Command(
    name = "tokens:stats",
    sortOptions = false,
    description = {
        "Counts the tokens and cost of babysitter runs and Claude Code sessions from their files.",
        "Each model call counts once, however many copies of it the transcripts hold.",
        "Without --runs-dir and --claude-dir, the default directories that exist are read."},
    footer = {
        "",
        "With both sources, babysitter COST_TRACKED entries sum calls that are also in the Claude "
            + "Code transcripts: those calls are counted twice. Give one of the two directories.",
        "",
        "Exit status: 0 printed, 1 failed, 2 bad flag, value or directory."})
public final class TokensStatsCommand implements Callable<Integer> {

  static final int EXIT_OK = 0;
  static final int EXIT_FAILURE = 1;
  static final int EXIT_USAGE = 2;

  @Spec
  CommandSpec spec;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
  boolean help;

  @Option(names = "--runs-dir", paramLabel = "DIR",
      description = "babysitter runs directory (default: $BABYSITTER_RUNS_DIR, else ~/.a5c/runs)")
  Path runsDir;

  @Option(names = "--claude-dir", paramLabel = "DIR",
      description = "Claude Code projects directory (default: ~/.claude/projects)")
  Path claudeDir;

  @Option(names = "--by", paramLabel = "DIMS",
      description = "group by any of run,session,subagent,model,day (comma-separated, in order)")
  String by;

  @Option(names = "--since", paramLabel = "TIME",
      description = "calls at or after: an ISO date (start of day, UTC) or date-time")
  String since;

  @Option(names = "--until", paramLabel = "TIME",
      description = "calls before: an ISO date-time, or a date (the whole day is included)")
  String until;

  @Option(names = "--run", paramLabel = "RUN", split = ",",
      description = "only these runs (babysitter run ids or Claude Code session ids)")
  List<String> runs = new ArrayList<>();

  @Option(names = "--model", paramLabel = "MODEL", split = ",",
      description = "only these models, as the API reported them")
  List<String> models = new ArrayList<>();

  @Option(names = "--json", description = "print JSON")
  boolean json;

  @Option(names = "--csv", description = "print CSV")
  boolean csv;

  @Option(names = "--cost-mode", paramLabel = "MODE", defaultValue = "auto",
      description = "calculate (tokens x prices), reported (the cost the source wrote) or auto "
          + "(reported when there is one); default ${DEFAULT-VALUE}")
  String costMode;

  @Option(names = "--prices", paramLabel = "FILE",
      description = "price file (native YAML or LiteLLM JSON) laid over the bundled prices")
  Path prices;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    StatsQuery query;
    try {
      query = query(err);
    } catch (IllegalArgumentException e) {
      err.println("tokens:stats: " + e.getMessage());
      err.flush();
      return EXIT_USAGE;
    }
    ProgressBar bar = System.console() != null ? ProgressBar.start(err, query.claudeDir()) : null;
    TokenStats stats;
    try {
      stats = TokenStatsScanner.scan(bar == null ? query : rebuild(query, bar));
    } catch (RuntimeException e) {
      err.println("tokens:stats: failed: " + e);
      err.flush();
      return EXIT_FAILURE;
    } finally {
      if (bar != null) {
        bar.finish();
      }
    }
    out.print(json ? StatsJson.render(stats) : csv ? StatsCsv.render(stats) : StatsTable.render(stats));
    out.flush();
    if (stats.errorCount() > 0 && (json || csv)) {
      // The table shows them; machine-readable output on stdout stays clean.
      err.println(stats.errorCount() + " input problem(s), counted in errorCount; the first:");
      stats.errors().stream().limit(5).map(IngestError::toString).forEach(e -> err.println("  " + e));
    }
    err.flush();
    return EXIT_OK;
  }

  private StatsQuery query(PrintWriter err) {
    if (json && csv) {
      throw new IllegalArgumentException("give --json or --csv, not both");
    }
    // A directory given means: read that. Only with none given are the defaults read.
    boolean defaults = runsDir == null && claudeDir == null;
    Path runsSource = source(runsDir, defaults ? DefaultDirectories.runsDir() : null, "--runs-dir");
    Path claudeSource =
        source(claudeDir, defaults ? DefaultDirectories.claudeDir() : null, "--claude-dir");
    if (runsSource == null && claudeSource == null) {
      throw new IllegalArgumentException("nothing to read: neither " + DefaultDirectories.runsDir()
          + " nor " + DefaultDirectories.claudeDir() + " exists; give --runs-dir or --claude-dir");
    }
    if (runsSource != null && claudeSource != null) {
      err.println("warning: reading both " + runsSource + " and " + claudeSource + ": babysitter "
          + "COST_TRACKED entries sum calls that are also in the Claude Code transcripts, so those "
          + "calls are counted twice. Give only --runs-dir or only --claude-dir to avoid it.");
    }
    Instant from = since == null ? null : time(since, "--since", false);
    Instant to = until == null ? null : time(until, "--until", true);
    return StatsQuery.builder()
        .runsDir(runsSource)
        .claudeDir(claudeSource)
        .groupBy(Dimension.parseList(by))
        .since(from)
        .until(to)
        .runs(names(runs))
        .models(names(models))
        .costMode(CostMode.parse(costMode))
        .priceBook(priceBook())
        .build();
  }

  /** The directory given (which must exist), else the fallback when it exists, else null. */
  private static Path source(Path given, Path fallback, String flag) {
    if (given != null) {
      if (!Files.isDirectory(given)) {
        throw new IllegalArgumentException(flag + " " + given + ": "
            + (Files.exists(given) ? "not a directory" : "no such directory"));
      }
      return given;
    }
    return fallback != null && Files.isDirectory(fallback) ? fallback : null;
  }

  private PriceBook priceBook() {
    if (prices == null) {
      return DefaultPriceBook.load();
    }
    try {
      return DefaultPriceBook.withOverrides(PriceBookLoader.load(prices).book());
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("--prices " + prices + ": no such file");
    } catch (PriceFileException e) {
      throw new IllegalArgumentException("--prices: " + e.getMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("--prices " + prices + ": cannot read: " + e.getMessage());
    }
  }

  private static Set<String> names(List<String> given) {
    Set<String> out = new LinkedHashSet<>();
    for (String s : given) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }

  /**
   * An ISO instant, offset date-time, local date-time (UTC) or date. A date is the start of that
   * day, or for an upper bound the start of the next, so that {@code --until 2026-03-01} includes
   * March 1.
   */
  static Instant time(String s, String flag, boolean upper) {
    String t = s.trim();
    try {
      if (t.length() == 10) {
        LocalDate d = LocalDate.parse(t);
        return (upper ? d.plusDays(1) : d).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      if (t.endsWith("Z") || t.endsWith("z")) {
        return Instant.parse(t.toUpperCase(java.util.Locale.ROOT));
      }
      try {
        return OffsetDateTime.parse(t).toInstant();
      } catch (DateTimeParseException e) {
        return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
      }
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(flag + " '" + s
          + "' is not an ISO date or date-time (2026-03-01, 2026-03-01T12:00:00Z)");
    }
  }

  private static StatsQuery rebuild(StatsQuery q, ProgressBar bar) {
    return StatsQuery.builder()
        .runsDir(q.runsDir())
        .claudeDir(q.claudeDir())
        .groupBy(q.groupBy())
        .since(q.since())
        .until(q.until())
        .runs(q.runs())
        .models(q.models())
        .costMode(q.costMode())
        .priceBook(q.priceBook())
        .zone(q.zone())
        .maxLineBytes(q.maxLineBytes())
        .maxErrorsKept(q.maxErrorsKept())
        .progress((file, bytes) -> bar.add(bytes))
        .build();
  }

  /** A one-line bar on a terminal's stderr, redrawn at most five times a second. */
  static final class ProgressBar {
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final long total;
    private long done;
    private long lastDraw;

    private ProgressBar(PrintWriter err, long total) {
      this.err = err;
      this.total = total;
    }

    /** A bar over the transcript bytes of {@code claudeDir}; null when there are none. */
    static ProgressBar start(PrintWriter err, Path claudeDir) {
      if (claudeDir == null) {
        return null;
      }
      long total = 0;
      try (Stream<Path> s = Files.walk(claudeDir, 4)) {
        total = s.filter(p -> p.toString().endsWith(".jsonl")).mapToLong(ProgressBar::size).sum();
      } catch (IOException | RuntimeException e) {
        return null; // no bar is better than a failed scan
      }
      return total < (64L << 20) ? null : new ProgressBar(err, total); // short scans need none
    }

    private static long size(Path p) {
      try {
        return Files.size(p);
      } catch (IOException e) {
        return 0;
      }
    }

    void add(long bytes) {
      done += bytes;
      long now = System.nanoTime();
      if (now - lastDraw < 200_000_000L) {
        return;
      }
      lastDraw = now;
      int filled = (int) Math.min(WIDTH, done * WIDTH / Math.max(1, total));
      err.print("\rscanning [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] "
          + Math.min(100, done * 100 / Math.max(1, total)) + "% " + (done >> 20) + "/"
          + (total >> 20) + " MB");
      err.flush();
    }

    void finish() {
      err.print("\r" + " ".repeat(WIDTH + 40) + "\r");
      err.flush();
    }
  }
}
