package dev.tokenmeter.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.server.Json;
import java.math.BigDecimal;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tokenmeter run:budget <run> USD}. */
@Command(name = "run:budget", mixinStandardHelpOptions = true, description = "Sets a run's budget. Does not resume a paused run.")
final class RunBudgetCommand implements Callable<Integer> {

  @CommandLine.ParentCommand Main main;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin ClientOptions client;

  @Parameters(index = "0", paramLabel = "RUN") String run;

  @Parameters(index = "1", paramLabel = "USD", description = "the budget in USD, like 5.00") BigDecimal usd;

  @Option(names = "--by", description = "who (default: your user name)") String by;

  @Override
  public Integer call() throws Exception {
    ObjectNode body = Json.object();
    body.put("budgetUsd", usd.toPlainString());
    body.put("by", by != null ? by : System.getProperty("user.name"));
    ApiClient.Reply r = client.client(main.env).send("PUT", ApiClient.runPath(run, "budget"), body);
    return Commands.report(spec, r, "run " + run + " budget $" + usd.toPlainString());
  }
}
