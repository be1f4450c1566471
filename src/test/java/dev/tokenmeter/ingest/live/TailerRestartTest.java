package dev.tokenmeter.ingest.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.MeterSnapshot;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.ingest.SharedData;
import dev.tokenmeter.ingest.stats.StatsQuery;
import dev.tokenmeter.ingest.stats.TokenStats;
import dev.tokenmeter.ingest.stats.TokenStatsScanner;
import dev.tokenmeter.pricing.DefaultPriceBook;
import dev.tokenmeter.usage.TokenCounts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarted tailer (fresh meter, same files) ends with the totals of one uninterrupted pass,
 * over copies of the real transcripts and journals; also when the files grew while it was
 * tailing, streamed responses split across reads.
 */
class TailerRestartTest {

  @TempDir
  Path tmp;

  @Test
  void restartOverTheSameFilesGivesTheSameTotals() throws Exception {
    Path claude = copy("claude-transcripts/claude-code-log", tmp.resolve("projects"));
    copy("claude-transcripts/claude-code-viewer", claude);
    Path runs = copy("babysitter-runs-sdk", tmp.resolve("runs"));

    Map<String, String> first = tailOnce(claude, runs);
    Map<String, String> second = tailOnce(claude, runs);
    assertThat(second).isEqualTo(first);

    // The same numbers tokens:stats finds, and those ClaudeTranscriptsRealDataTest pins:
    // 138 + 197 calls over the two transcript folders.
    TokenStats claudeStats = TokenStatsScanner.scan(StatsQuery.builder().claudeDir(claude).build());
    TokenStats runStats = TokenStatsScanner.scan(StatsQuery.builder().runsDir(runs).build());
    assertThat(claudeStats.totals().calls()).isEqualTo(138 + 197);
    assertThat(first.get("requests")).isEqualTo(
        String.valueOf(claudeStats.totals().calls() + runStats.totals().calls()));
    assertThat(first.get("tokens")).isEqualTo(
        claudeStats.totals().tokens().plus(runStats.totals().tokens()).toString());
  }

  @Test
  void filesThatGrowWhileTailedEndAsOnePass() throws Exception {
    Path source = copy("claude-transcripts/claude-code-log", tmp.resolve("full"));
    Path claude = tmp.resolve("projects");
    // Start with each file cut in the middle of a line; append the rest while tailing.
    List<Path[]> pending = new ArrayList<>();
    try (Stream<Path> s = Files.walk(source)) {
      for (Path f : (Iterable<Path>) s::iterator) {
        Path to = claude.resolve(source.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else if (f.toString().endsWith(".jsonl")) {
          byte[] all = Files.readAllBytes(f);
          Files.write(to, java.util.Arrays.copyOf(all, all.length / 2));
          pending.add(new Path[] {f, to});
        } else {
          Files.copy(f, to);
        }
      }
    }
    TokenMeter meter = meter();
    try (Tailer tailer = Tailer.builder(meter).claudeDir(claude).start()) {
      assertThat(tailer.awaitPass(Duration.ofSeconds(30))).isTrue();
      long partial = meter.snapshot().series().stream().mapToLong(x -> x.tokens().total()).sum();
      assertThat(partial).isPositive();
      for (Path[] p : pending) {
        byte[] all = Files.readAllBytes(p[0]);
        int half = all.length / 2;
        // the rest in two writes, the first one ending mid-line again
        int mid = half + (all.length - half) / 3;
        TailerLiveTest.append(p[1], new String(all, half, mid - half, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(tailer.awaitPass(Duration.ofSeconds(30))).isTrue();
        Files.write(p[1], java.util.Arrays.copyOfRange(all, mid, all.length),
            java.nio.file.StandardOpenOption.APPEND);
      }
      assertThat(tailer.awaitPass(Duration.ofSeconds(30))).isTrue();
      assertThat(tailer.ingestErrors()).isZero();
      Map<String, String> live = totals(meter);
      assertThat(tailOnce(claude, null)).isEqualTo(live);
      TokenStats stats = TokenStatsScanner.scan(StatsQuery.builder().claudeDir(claude).build());
      assertThat(live.get("requests")).isEqualTo("138");
      assertThat(live.get("tokens")).isEqualTo(stats.totals().tokens().toString());
    }
  }

  @Test
  void aTailerRestartedOverTheSameMeterAddsNothing() throws Exception {
    Path claude = copy("claude-transcripts/claude-code-log", tmp.resolve("projects"));
    Path runs = copy("babysitter-runs-sdk", tmp.resolve("runs"));
    TokenMeter meter = meter();
    try (Tailer t = Tailer.builder(meter).claudeDir(claude).runsDir(runs).start()) {
      assertThat(t.awaitPass(Duration.ofSeconds(30))).isTrue();
    }
    Map<String, String> once = totals(meter);
    try (Tailer t = Tailer.builder(meter).claudeDir(claude).runsDir(runs).start()) {
      assertThat(t.awaitPass(Duration.ofSeconds(30))).isTrue();
    }
    assertThat(totals(meter)).isEqualTo(once);
  }

  static TokenMeter meter() {
    return TokenMeter.builder().priceBook(DefaultPriceBook.load()).sweepInterval(Duration.ZERO)
        .build();
  }

  /** Tails the directories into a fresh meter until the first pass is done. */
  static Map<String, String> tailOnce(Path claude, Path runs) throws InterruptedException {
    TokenMeter meter = meter();
    try (Tailer t = Tailer.builder(meter).claudeDir(claude).runsDir(runs).start()) {
      assertThat(t.awaitPass(Duration.ofSeconds(30))).isTrue();
      assertThat(t.ingestErrors()).isZero();
    }
    return totals(meter);
  }

  /** Every series of the meter (tokens, requests, cost) and the grand totals, comparable. */
  static Map<String, String> totals(TokenMeter meter) {
    Map<String, String> out = new TreeMap<>();
    TokenCounts tokens = TokenCounts.ZERO;
    long requests = 0;
    for (MeterSnapshot.SeriesSample s : meter.snapshot().series()) {
      out.put(s.run() + "|" + s.subagent() + "|" + s.model(), s.tokens() + " requests=" + s.requests()
          + " cost=" + (s.costUsd() == null ? "-" : s.costUsd().stripTrailingZeros().toPlainString()));
      tokens = tokens.plus(s.tokens());
      requests += s.requests();
    }
    out.put("tokens", tokens.toString());
    out.put("requests", String.valueOf(requests));
    return out;
  }

  static Path copy(String shared, Path to) {
    Path from = SharedData.resolve(shared);
    try (Stream<Path> s = Files.walk(from)) {
      for (Path f : (Iterable<Path>) s::iterator) {
        Path t = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(t);
        } else {
          Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return to;
  }
}
