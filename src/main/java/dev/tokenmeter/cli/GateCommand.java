package dev.tokenmeter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tokenmeter gate <run>}: for hooks. Exit 0 open, 3 paused, 2 error. */
@Command(name = "gate", mixinStandardHelpOptions = true, description = "Asks a run's gate, for hooks: exit 0 open, 3 paused, 2 error.",
    exitCodeOnInvalidInput = GateCommand.ERROR, exitCodeOnExecutionException = GateCommand.ERROR)
final class GateCommand implements Callable<Integer> {

  static final int OPEN = 0;
  static final int ERROR = 2;
  static final int PAUSED = 3;

  @CommandLine.ParentCommand Main main;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin ClientOptions client;

  @Parameters(paramLabel = "RUN") String run;

  @Override
  public Integer call() throws Exception {
    ApiClient.Reply r = client.client(main.env).get(ApiClient.runPath(run, "gate"));
    JsonNode b = r.body;
    if (r.status == 200) {
      spec.commandLine().getOut().println("open");
      spec.commandLine().getOut().flush();
      return OPEN;
    }
    if (r.status == 423) {
      spec.commandLine().getOut().println("paused (" + b.path("source").asText() + "): " + b.path("reason").asText()
          + " since " + b.path("since").asText());
      spec.commandLine().getOut().flush();
      return PAUSED;
    }
    spec.commandLine().getErr().println("tokenmeter: " + r.error());
    spec.commandLine().getErr().flush();
    return ERROR;
  }
}
