package dev.tokenmeter.cli;

import java.io.PrintWriter;
import java.net.URI;
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

  @CommandLine.Mixin ServerOptions options;

  @Option(names = "--print-config", description = "print the effective configuration (secrets masked) and exit")
  boolean printConfig;

  @Override
  public Integer call() throws Exception {
    Settings s = options.resolve(main.env);
    PrintWriter out = spec.commandLine().getOut();
    if (printConfig) {
      out.print(s.describe());
      out.flush();
      return 0;
    }
    if (s.runsDir != null || s.claudeDir != null) {
      // TODO(live tailing): tail s.runsDir and s.claudeDir.
      PrintWriter err = spec.commandLine().getErr();
      err.println("tokenmeter: warning: --runs-dir and --claude-dir are not tailed by this build yet");
      err.flush();
    }
    try (UntilShutdown life = new UntilShutdown();
        Sidecar sidecar = Sidecar.start(s, main.env)) {
      URI base = sidecar.server.uri();
      out.println("tokenmeter serving on " + base + "  (metrics: " + base.resolve("metrics") + ")");
      out.flush();
      life.await();
    }
    return 0;
  }
}
