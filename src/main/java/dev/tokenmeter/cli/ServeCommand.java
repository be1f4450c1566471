package dev.tokenmeter.cli;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.server.TokenMeterServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tokenmeter serve}: the sidecar. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serves metrics, the usage API, run control, the Alertmanager webhook and the event stream.",
      "Settings: flags > environment (TOKENMETER_PORT, TOKENMETER_BIND, TOKENMETER_PRICES, TOKENMETER_STATE_DIR,",
      "TOKENMETER_API_TOKEN, TOKENMETER_API_TOKEN_FILE, TOKENMETER_RUNS_DIR, TOKENMETER_CLAUDE_DIR,",
      "TOKENMETER_RUN_BUDGET) > config file (--config or TOKENMETER_CONFIG) > defaults."
    })
final class ServeCommand implements Callable<Integer> {

  @CommandLine.ParentCommand Main main;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (keys: port, bind, prices, state_dir, api_token_file, runs_dir, claude_dir, run_budget)")
  Path config;

  @Option(names = "--port", paramLabel = "N", description = "port (default 9464; 0 picks a free one)")
  String port;

  @Option(names = "--bind", paramLabel = "ADDR", description = "address to listen on (default 127.0.0.1; any other needs an API token)")
  String bind;

  @Option(names = "--prices", paramLabel = "FILE", description = "price file, native YAML or LiteLLM JSON")
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

  @Option(names = "--print-config", description = "print the effective configuration (secrets masked) and exit")
  boolean printConfig;

  @Override
  public Integer call() throws Exception {
    Map<Settings.Key, String> flags = new EnumMap<>(Settings.Key.class);
    flags.put(Settings.Key.PORT, port);
    flags.put(Settings.Key.BIND, bind);
    flags.put(Settings.Key.PRICES, prices);
    flags.put(Settings.Key.STATE_DIR, stateDir);
    flags.put(Settings.Key.API_TOKEN_FILE, apiTokenFile);
    flags.put(Settings.Key.RUNS_DIR, runsDir);
    flags.put(Settings.Key.CLAUDE_DIR, claudeDir);
    flags.put(Settings.Key.RUN_BUDGET, runBudget);
    Settings s = Settings.resolve(flags, config, main.env);
    PrintWriter out = spec.commandLine().getOut();
    if (printConfig) {
      out.print(s.describe());
      out.flush();
      return 0;
    }
    PrintWriter err = spec.commandLine().getErr();
    if (s.prices != null) {
      // TODO(pricing branch): load s.prices over the default book and watch it.
      err.println("tokenmeter: warning: --prices " + s.prices + " is not loaded by this build yet; using the built-in prices");
    }
    if (s.runsDir != null || s.claudeDir != null) {
      // TODO(ingest branch): tail s.runsDir and s.claudeDir.
      err.println("tokenmeter: warning: --runs-dir and --claude-dir are not tailed by this build yet");
    }
    err.flush();
    TokenMeter.Builder mb = TokenMeter.builder().priceBook(InterimPriceBook.get()).stateDir(s.stateDir);
    if (s.runBudgetUsd != null) {
      mb.defaultRunBudget(s.runBudgetUsd);
    }
    try (UntilShutdown life = new UntilShutdown();
        TokenMeter meter = mb.build();
        TokenMeterServer server =
            TokenMeterServer.builder(meter)
                .bind(s.bind)
                .port(s.port)
                .apiToken(s.apiToken())
                .registry(new PrometheusRegistry()) // the exporter's collector registers here
                .build()
                .start()) {
      out.println("tokenmeter serving on " + server.uri() + "  (metrics: " + server.uri().resolve("metrics") + ")");
      out.flush();
      life.await();
    }
    return 0;
  }
}
