package dev.tokenmeter.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tokenmeter run:status <run> [--watch] [--json]}. */
@Command(name = "run:status", mixinStandardHelpOptions = true, description = "Shows a run: state, cost against budget, burn rate, tokens and cost by subagent and model, breakpoint.")
final class RunStatusCommand implements Callable<Integer> {

  /** ANSI: cursor home, clear the screen. */
  static final String CLEAR = "\033[H\033[2J";

  @CommandLine.ParentCommand Main main;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin ClientOptions client;

  @Parameters(paramLabel = "RUN", description = "the run id")
  String run;

  @Option(names = "--watch", description = "refresh every second until Ctrl-C")
  boolean watch;

  @Option(names = "--json", description = "print the server's run JSON")
  boolean json;

  @Option(names = "--refreshes", hidden = true, description = "stop watching after this many refreshes (tests)")
  int refreshes = Integer.MAX_VALUE;

  @Option(names = "--interval-millis", hidden = true, defaultValue = "1000")
  long intervalMillis;

  @Override
  public Integer call() throws Exception {
    ApiClient api = client.client(main.env);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    for (int i = 0; ; i++) {
      ApiClient.Reply r;
      try {
        r = api.get(ApiClient.runPath(run, null));
      } catch (ApiClient.Unreachable e) {
        if (!watch || i == 0) {
          throw e;
        }
        r = null;
        out.print(CLEAR + e.getMessage() + "\n");
      }
      if (r != null && r.status != 200) {
        err.println("tokenmeter: " + r.error());
        err.flush();
        return Main.ERROR;
      }
      if (r != null) {
        String text = json ? r.body.toPrettyString() + "\n" : StatusView.render(r.body);
        out.print(watch ? CLEAR + text : text);
      }
      out.flush();
      if (!watch || i + 1 >= refreshes) {
        return 0;
      }
      try {
        Thread.sleep(intervalMillis);
      } catch (InterruptedException e) {
        return 0;
      }
    }
  }
}
