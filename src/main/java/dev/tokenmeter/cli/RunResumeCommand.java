package dev.tokenmeter.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.server.Json;
import java.math.BigDecimal;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tokenmeter run:resume <run> [--raise USD | --budget USD | --override]}. */
@Command(name = "run:resume", mixinStandardHelpOptions = true, description = "Resumes a paused run: raise its budget, set a new one, or override.")
final class RunResumeCommand implements Callable<Integer> {

  @CommandLine.ParentCommand Main main;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin ClientOptions client;

  @Parameters(paramLabel = "RUN") String run;

  static final class How {
    @Option(names = "--raise", paramLabel = "USD", description = "add this to the budget that paused the run") BigDecimal raise;

    @Option(names = "--budget", paramLabel = "USD", description = "set this budget") BigDecimal budget;

    @Option(names = "--override", description = "resume over budget") boolean override;
  }

  @ArgGroup(exclusive = true, multiplicity = "0..1") How how = new How();

  @Option(names = "--by", description = "who (default: your user name)") String by;

  @Option(names = "--reason", description = "why, for the run's history") String reason;

  @Override
  public Integer call() throws Exception {
    ObjectNode body = Json.object();
    if (how.raise != null) {
      body.put("raiseUsd", how.raise.toPlainString());
    }
    if (how.budget != null) {
      body.put("budgetUsd", how.budget.toPlainString());
    }
    if (how.override) {
      body.put("override", true);
    }
    body.put("by", by != null ? by : System.getProperty("user.name"));
    body.put("reason", reason);
    ApiClient.Reply r = client.client(main.env).send("POST", ApiClient.runPath(run, "resume"), body);
    String budget = r.body.path("status").path("budgetUsd").asText("none");
    return Commands.report(spec, r, "run " + run + " resumed; budget $" + budget);
  }
}
