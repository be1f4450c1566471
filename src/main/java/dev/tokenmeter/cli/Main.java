package dev.tokenmeter.cli;

import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tokenmeter}: the command line (DESIGN section 7). */
@Command(
    name = "tokenmeter",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Token and cost metering for AI agent orchestrations, with budgets that pause runs.",
    subcommands = {
      ServeCommand.class,
      DemoCommand.class,
      RunStatusCommand.class,
      RunPauseCommand.class,
      RunResumeCommand.class,
      RunBudgetCommand.class,
      GateCommand.class,
      PricesCommand.class,
      TokensStatsCommand.class,
    })
public final class Main implements Runnable {

  /** Exit code of a command that failed (the message is on stderr). */
  static final int ERROR = 1;

  final Map<String, String> env;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  Main(Map<String, String> env) {
    this.env = env;
  }

  public static void main(String[] args) {
    // Jetty's start and stop lines are noise on a terminal; the demo narrates tokenmeter's own events.
    System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", System.getProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn"));
    if (args.length > 0 && args[0].equals("demo")) {
      System.setProperty("org.slf4j.simpleLogger.log.dev.tokenmeter", System.getProperty("org.slf4j.simpleLogger.log.dev.tokenmeter", "warn"));
      // The narrator already says "PAUSED" with the reason; the meter's own warning would say it twice.
      System.setProperty("org.slf4j.simpleLogger.log.dev.tokenmeter.TokenMeter",
          System.getProperty("org.slf4j.simpleLogger.log.dev.tokenmeter.TokenMeter", "error"));
    }
    System.exit(commandLine(System.getenv()).execute(args));
  }

  /** The command line with this environment: tests pass their own. */
  static CommandLine commandLine(Map<String, String> env) {
    CommandLine cl = new CommandLine(new Main(env));
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          if (e instanceof ConfigException || e instanceof ApiClient.Unreachable || e instanceof IllegalStateException
              || e instanceof IllegalArgumentException) {
            err.println("tokenmeter: " + e.getMessage());
          } else {
            err.println("tokenmeter: " + e);
            e.printStackTrace(err);
          }
          err.flush();
          return commandLine.getCommand() instanceof GateCommand ? GateCommand.ERROR : ERROR;
        });
    CommandLine.IParameterExceptionHandler usageErrors = cl.getParameterExceptionHandler();
    cl.setParameterExceptionHandler(
        (e, args) -> {
          String token = tokenGivenAsFlag(args);
          if (token == null) {
            return usageErrors.handleParseException(e, args);
          }
          // picocli would echo the unmatched arguments, the token among them, into a terminal or a log.
          PrintWriter err = e.getCommandLine().getErr();
          err.println("tokenmeter: " + e.getMessage().replace(token, "****"));
          err.println("tokenmeter: the API token is never a flag (it would show in the process list);"
              + " use TOKENMETER_API_TOKEN or --api-token-file FILE");
          err.flush();
          return e.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
        });
    return cl;
  }

  /** The value of a --token or --api-token flag someone tried, or null. */
  static String tokenGivenAsFlag(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.matches("--?(api-?)?token(=.*)?")) {
        int eq = a.indexOf('=');
        String v = eq >= 0 ? a.substring(eq + 1) : i + 1 < args.length ? args[i + 1] : null;
        return v == null || v.isEmpty() ? null : v;
      }
    }
    return null;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"tokenmeter " + (v == null ? "(development build)" : v)};
    }
  }
}
