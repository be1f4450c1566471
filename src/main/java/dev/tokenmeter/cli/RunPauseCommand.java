package dev.tokenmeter.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.server.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tokenmeter run:pause <run>}. */
@Command(name = "run:pause", mixinStandardHelpOptions = true, description = "Pauses a run at its next checkpoint.")
final class RunPauseCommand implements Callable<Integer> {

  @CommandLine.ParentCommand Main main;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin ClientOptions client;

  @Parameters(paramLabel = "RUN") String run;

  @Option(names = "--reason", description = "why, for the run's history") String reason;

  @Option(names = "--by", description = "who (default: your user name)") String by;

  @Override
  public Integer call() throws Exception {
    ObjectNode body = Json.object();
    body.put("reason", reason);
    body.put("by", by != null ? by : System.getProperty("user.name"));
    ApiClient.Reply r = client.client(main.env).send("POST", ApiClient.runPath(run, "pause"), body);
    return Commands.report(spec, r, r.body.path("changed").asBoolean() ? "run " + run + " paused" : "run " + run + " was paused already");
  }
}
