import dev.tokenmeter.cli.TokensStatsCommand;
import picocli.CommandLine;

/** Runs tokens:stats alone, for bench/stats-corpus.sh, on a branch without the full Main. */
public final class StatsMain {
  public static void main(String[] args) {
    System.exit(new CommandLine(new TokensStatsCommand()).execute(args));
  }
}
