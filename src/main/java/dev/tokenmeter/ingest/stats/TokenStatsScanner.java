package dev.tokenmeter.ingest.stats;

import dev.tokenmeter.ingest.Directories;
import dev.tokenmeter.ingest.IngestError;
import dev.tokenmeter.ingest.IngestErrors;
import dev.tokenmeter.ingest.LineReader;
import dev.tokenmeter.ingest.Position;
import dev.tokenmeter.ingest.babysitter.JournalListener;
import dev.tokenmeter.ingest.babysitter.JournalReader;
import dev.tokenmeter.ingest.babysitter.JournalUsage;
import dev.tokenmeter.ingest.babysitter.RunEnd;
import dev.tokenmeter.ingest.claude.ClaudeCall;
import dev.tokenmeter.ingest.claude.ClaudeProjects;
import dev.tokenmeter.ingest.claude.ResponseDedupe;
import dev.tokenmeter.ingest.claude.TranscriptFile;
import dev.tokenmeter.ingest.claude.TranscriptReader;
import dev.tokenmeter.pricing.ModelPrice;
import dev.tokenmeter.usage.IdempotencyKeys;
import dev.tokenmeter.usage.TokenCounts;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The post-hoc analysis behind {@code tokenmeter tokens:stats}: reads babysitter journals and
 * Claude Code transcripts once, counts each model call once, groups, filters and prices.
 *
 * <p>Memory stays flat as the corpus grows. Files are streamed line by line (one line, at most
 * {@link StatsQuery#maxLineBytes()}, is held at a time). The only per-call state is the dedupe
 * state, and it is scoped: a Claude project directory's response keys (copies of one response
 * stay within one project: its session files, their {@code subagents/} files and the flat
 * {@code agent-*} files), dropped when the next project starts; a babysitter run's idempotency
 * keys, dropped after the run. What grows with the corpus is the output itself: one accumulator
 * per distinct group key, one counter per unpriced model, the kept errors (capped), and one real
 * path per directory listed.
 *
 * <p>Pricing. A transcript line is one API request, so the long-context tier is decided per
 * request from its own context tokens. A babysitter {@code COST_TRACKED} entry usually sums all
 * the calls of an effect, so no per-request tier can be decided for it: it is priced at the
 * model's base prices, which understates requests that went past the tier's threshold.
 */
public final class TokenStatsScanner {

  private static final int RUN_KEY_WINDOW = 16_384;

  private final StatsQuery query;
  private final Map<List<String>, Accumulator> groups = new HashMap<>();
  private final Accumulator totals = new Accumulator(Map.of());
  private final Map<String, long[]> unpriced = new TreeMap<>();
  private final Map<String, String> endedRuns = new TreeMap<>();
  private final List<IngestError> errors = new ArrayList<>();
  private long errorCount;
  private final IngestErrors errorSink = this::report;

  private TokenStatsScanner(StatsQuery query) {
    this.query = query;
  }

  /** Reads everything the query names and returns the numbers. Never throws for bad input. */
  public static TokenStats scan(StatsQuery query) {
    TokenStatsScanner s = new TokenStatsScanner(query);
    if (query.runsDir() != null) {
      s.scanRuns(query.runsDir());
    }
    if (query.claudeDir() != null) {
      s.scanClaude(query.claudeDir());
    }
    return s.result();
  }

  private void report(IngestError e) {
    errorCount++;
    if (errors.size() < query.maxErrorsKept()) {
      errors.add(e);
    }
  }

  // babysitter

  private void scanRuns(Path runsDir) {
    JournalReader reader = new JournalReader();
    Directories dirs = new Directories(errorSink);
    for (Path runDir : dirs.list(runsDir)) {
      if (!Files.isDirectory(runDir.resolve("journal"))) {
        continue; // not a run directory
      }
      String run = runDir.getFileName().toString();
      if (!query.runs().isEmpty() && !query.runs().contains(run)) {
        continue;
      }
      // Keys are per run (the fallback key includes the run id); a run's set is dropped after it.
      // Repeated entries are retries written close together, so a window of this many suffices.
      IdempotencyKeys seen = new IdempotencyKeys(RUN_KEY_WINDOW);
      reader.read(runDir, null, seen, new JournalListener() {
        @Override
        public void usage(JournalUsage u) {
          addJournalUsage(u);
        }

        @Override
        public void runEnded(RunEnd end) {
          endedRuns.putIfAbsent(end.run(), end.type());
        }
      }, errorSink);
    }
  }

  private void addJournalUsage(JournalUsage u) {
    var e = u.event();
    Accumulator group = groupFor(e.run(), e.session(), e.subagent(), e.model(), e.timestamp());
    if (group == null) {
      return;
    }
    group.calls++;
    totals.calls++;
    group.addTokens(e.tokens());
    totals.addTokens(e.tokens());
    price(group, e.model(), e.tokens(), u.reportedCostUsd(), false, +1);
  }

  // Claude Code

  private void scanClaude(Path projectsDir) {
    TranscriptReader reader = new TranscriptReader(new LineReader(query.maxLineBytes()));
    // The attachment is the call's group, or null when the filters leave the call out.
    ResponseDedupe<Accumulator> dedupe = new ResponseDedupe<>();
    ClaudeProjects.scan(projectsDir, errorSink, (project, files) -> {
      for (TranscriptFile f : files) {
        reader.read(f, Position.START, call -> addClaudeCall(dedupe, call), errorSink);
      }
      dedupe.clear(); // responses do not cross project directories
    });
  }

  private void addClaudeCall(ResponseDedupe<Accumulator> dedupe, ClaudeCall call) {
    // The first copy decides the group (or that the call is filtered out); copies follow it.
    ResponseDedupe.Counted<Accumulator> c = dedupe.offer(call,
        first -> groupFor(first.run(), first.session(), first.subagent(), first.model(), first.timestamp()));
    Accumulator group = c == null ? null : c.attachment();
    if (group == null) {
      return;
    }
    if (c.isNewCall()) {
      group.calls++;
      totals.calls++;
    }
    TokenCounts added = c.added();
    group.addTokens(added);
    totals.addTokens(added);
    // Price the response's new usage and take back its old one: the sum over all copies is the
    // final usage priced once, at the tier its own size decides.
    price(group, call.model(), c.current(), c.currentReportedCostUsd(), true, +1);
    if (!c.isNewCall()) {
      price(group, call.model(), c.previous(), c.previousReportedCostUsd(), true, -1);
    }
  }

  // grouping, filtering, pricing

  /** The group of a call, or null when the query's filters leave it out. */
  private Accumulator groupFor(String run, String session, String subagent, String model,
      Instant at) {
    if (!query.runs().isEmpty() && !query.runs().contains(run)) {
      return null;
    }
    if (!query.models().isEmpty() && !query.models().contains(model)) {
      return null;
    }
    if (query.since() != null && (at == null || at.isBefore(query.since()))) {
      return null;
    }
    if (query.until() != null && (at == null || !at.isBefore(query.until()))) {
      return null;
    }
    List<String> key = new ArrayList<>(query.groupBy().size());
    for (Dimension d : query.groupBy()) {
      switch (d) {
        case RUN:
          key.add(run);
          break;
        case SESSION:
          key.add(session == null ? "" : session);
          break;
        case SUBAGENT:
          key.add(subagent);
          break;
        case MODEL:
          key.add(model);
          break;
        default:
          key.add(at == null ? "unknown" : at.atZone(query.zone()).toLocalDate().toString());
      }
    }
    return groups.computeIfAbsent(key, k -> {
      Map<Dimension, String> named = new LinkedHashMap<>();
      for (int i = 0; i < k.size(); i++) {
        named.put(query.groupBy().get(i), k.get(i));
      }
      return new Accumulator(named);
    });
  }

  /**
   * Adds (sign +1) or takes back (sign -1) the cost of one call's usage, or counts its tokens as
   * unpriced: never a silent zero.
   */
  private void price(Accumulator group, String model, TokenCounts tokens, BigDecimal reported,
      boolean perRequest, int sign) {
    BigDecimal cost = null;
    CostMode mode = query.costMode();
    if (mode != CostMode.CALCULATE && reported != null) {
      cost = reported;
    } else if (mode != CostMode.REPORTED) {
      ModelPrice p = query.priceBook().find(model);
      if (p != null) {
        boolean tier = perRequest && p.isLongContext(tokens.contextTokens());
        cost = p.prices(tier).cost(tokens);
      }
    }
    if (cost != null) {
      group.addCost(cost, sign);
      totals.addCost(cost, sign);
      return;
    }
    group.addUnpriced(tokens.total(), sign);
    totals.addUnpriced(tokens.total(), sign);
    long[] u = unpriced.computeIfAbsent(model, m -> new long[5]);
    u[0] += sign * tokens.input();
    u[1] += sign * tokens.output();
    u[2] += sign * tokens.cacheRead();
    u[3] += sign * tokens.cacheWrite5m();
    u[4] += sign * tokens.cacheWrite1h();
  }

  private TokenStats result() {
    List<StatsRow> rows = new ArrayList<>();
    if (query.groupBy().isEmpty()) {
      rows.add(totals.toRow());
    } else {
      List<Map.Entry<List<String>, Accumulator>> sorted = new ArrayList<>(groups.entrySet());
      sorted.sort(Map.Entry.comparingByKey(TokenStatsScanner::compareKeys));
      for (Map.Entry<List<String>, Accumulator> e : sorted) {
        rows.add(e.getValue().toRow());
      }
    }
    List<UnpricedModel> unpricedModels = new ArrayList<>();
    for (Map.Entry<String, long[]> e : unpriced.entrySet()) {
      long[] t = e.getValue();
      TokenCounts counts = TokenCounts.of(t[0], t[1], t[2], t[3], t[4]);
      if (!counts.isZero()) {
        unpricedModels.add(new UnpricedModel(e.getKey(), counts));
      }
    }
    return new TokenStats(query.groupBy(), query.costMode(), totals.toRow(), rows, unpricedModels,
        endedRuns, errors, errorCount);
  }

  private static int compareKeys(List<String> a, List<String> b) {
    Comparator<String> c = Comparator.naturalOrder();
    for (int i = 0; i < a.size(); i++) {
      int r = c.compare(a.get(i), b.get(i));
      if (r != 0) {
        return r;
      }
    }
    return 0;
  }
}
