package dev.tokenmeter.cli;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The flags every command that runs the server takes ({@code serve}, {@code demo}). */
final class ServerOptions {

  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (keys: port, bind, prices, state_dir, api_token_file, runs_dir, claude_dir, run_budget, max_tracked_runs, tail_since)")
  Path config;

  @Option(names = "--port", paramLabel = "N", description = "port (default 9464; 0 picks a free one)")
  String port;

  @Option(names = "--bind", paramLabel = "ADDR", description = "address to listen on (default 127.0.0.1; any other needs an API token)")
  String bind;

  @Option(names = "--prices", paramLabel = "FILE", description = "price file laid over the bundled book, native YAML or LiteLLM JSON; watched and reloaded")
  String prices;

  @Option(names = "--state-dir", paramLabel = "DIR", description = "where budgets and pauses are kept (default ~/.tokenmeter/state)")
  String stateDir;

  @Option(names = "--api-token-file", paramLabel = "FILE", description = "file holding the bearer token that POST and PUT need (or TOKENMETER_API_TOKEN)")
  String apiTokenFile;

  @Option(names = "--runs-dir", paramLabel = "DIR", description = "babysitter run journals to tail")
  String runsDir;

  @Option(names = "--claude-dir", paramLabel = "DIR", description = "Claude Code projects to tail")
  String claudeDir;

  @Option(names = "--run-budget", paramLabel = "USD", description = "default budget of every run")
  String runBudget;

  @Option(names = "--max-tracked-runs", paramLabel = "N", description = "runs held in memory, about 3 KB each (default 50000); past it the least recently active that are not paused are forgotten first")
  String maxTrackedRuns;

  @Option(names = "--tail-since", paramLabel = "AGE", description = "at start, read only the runs and sessions written to in the last AGE (default 45m: what the meter still keeps), the rest once written again; `all` reads everything")
  String tailSince;

  /** Resolves these flags over the environment, the config file and the defaults. */
  Settings resolve(Map<String, String> env) {
    Map<Settings.Key, String> flags = new EnumMap<>(Settings.Key.class);
    flags.put(Settings.Key.PORT, port);
    flags.put(Settings.Key.BIND, bind);
    flags.put(Settings.Key.PRICES, prices);
    flags.put(Settings.Key.STATE_DIR, stateDir);
    flags.put(Settings.Key.API_TOKEN_FILE, apiTokenFile);
    flags.put(Settings.Key.RUNS_DIR, runsDir);
    flags.put(Settings.Key.CLAUDE_DIR, claudeDir);
    flags.put(Settings.Key.RUN_BUDGET, runBudget);
    flags.put(Settings.Key.MAX_TRACKED_RUNS, maxTrackedRuns);
    flags.put(Settings.Key.TAIL_SINCE, tailSince);
    return Settings.resolve(flags, config, env);
  }
}
