package dev.tokenmeter.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.budget.Breakpoint;
import dev.tokenmeter.budget.MeterListener;
import dev.tokenmeter.server.Json;
import dev.tokenmeter.server.TokenMeterServer;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tokenmeter demo}: a simulated orchestration against the embedded server. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Starts the server and runs a simulated orchestration (a planner, two coders in parallel, a reviewer)",
      "that crosses its budget: 50%% and 80%% notify, 100%% pauses. It waits for a resume from another terminal",
      "(tokenmeter run:resume <run> --raise 2), finishes, and keeps serving until Ctrl-C (unless --exit)."
    })
final class DemoCommand implements Callable<Integer> {

  @CommandLine.ParentCommand Main main;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin ServerOptions options;

  @Option(names = "--speed", paramLabel = "N", defaultValue = "1", description = "divide every delay by N (default ${DEFAULT-VALUE}: about a minute)")
  double speed;

  @Option(names = "--budget", paramLabel = "USD", defaultValue = "2.00", description = "the run's budget (default ${DEFAULT-VALUE})")
  BigDecimal budget;

  @Option(names = "--run", paramLabel = "ID", description = "run id (default demo-<time>)")
  String run;

  @Option(names = "--no-wait", description = "resume by itself after the pause, raising the budget by $2 through the API, as a person would")
  boolean noWait;

  @Option(names = "--exit", description = "stop serving when the run is complete")
  boolean exit;

  @Override
  public Integer call() throws Exception {
    if (speed <= 0) {
      throw new IllegalArgumentException("--speed must be positive, got " + speed);
    }
    String id = run != null ? run : "demo-" + System.currentTimeMillis() / 1000;
    PrintWriter out = spec.commandLine().getOut();
    ExecutorService resumer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "demo-resumer");
      t.setDaemon(true);
      return t;
    });
    if (options.stateDir == null && options.config == null && !main.env.containsKey("TOKENMETER_STATE_DIR")) {
      // The demo's pauses are durable like any others, but in a folder of its own: a demo run
      // left paused must not show up in the next `tokenmeter serve`.
      options.stateDir = java.nio.file.Files.createTempDirectory("tokenmeter-demo-").toString();
    }
    Settings settings = options.resolve(main.env);
    try (UntilShutdown life = new UntilShutdown();
        Sidecar sidecar = Sidecar.start(settings, main.env)) {
      TokenMeter meter = sidecar.meter;
      TokenMeterServer server = sidecar.server;
      String base = server.uri().toString();
      // The commands to print, as this user can type them: `./tokenmeter` when started through the
      // launcher in a checkout (it says how it was called), and the server when not the default.
      String client = main.env.getOrDefault("TOKENMETER_LAUNCHER", "tokenmeter");
      String serverFlag = server.port() == TokenMeterServer.DEFAULT_PORT ? "" : " --server " + base;
      Demo demo = new Demo(meter, id, speed, out, client + " run:resume " + id + " --raise 2" + serverFlag);
      meter.addListener(demo.narrator());
      meter.setRunBudget(id, budget, "demo");
      if (noWait) {
        meter.addListener(autoResume(server, settings.apiToken(), id, resumer, out));
      }
      out.println("tokenmeter serving on " + base);
      out.println("  metrics     " + base + "metrics");
      out.println("  dashboard   " + base);
      out.println("  run JSON    " + base + ApiClient.runPath(id, null));
      out.println("  watch it    " + client + " run:status " + id + " --watch" + serverFlag);
      out.println("run " + id + ", budget $" + budget.toPlainString() + (noWait ? ", resumes by itself (--no-wait)" : ""));
      out.flush();
      try {
        demo.run();
      } catch (InterruptedException e) {
        out.println("demo interrupted");
        out.flush();
        return 130;
      }
      if (!exit) {
        out.println("the demo is over; still serving on " + base + " (Ctrl-C to stop)");
        out.flush();
        life.await();
      }
    } finally {
      resumer.shutdownNow();
      resumer.awaitTermination(5, TimeUnit.SECONDS);
    }
    return 0;
  }

  /** On a pause, a moment later, raises the budget by $2 through the HTTP API, as a person would. */
  private MeterListener autoResume(
      TokenMeterServer server, String apiToken, String id, ExecutorService resumer, PrintWriter out) {
    ApiClient api = new ApiClient(server.uri().toString(), apiToken);
    return new MeterListener() {
      @Override
      public void onPause(String r, String session, Breakpoint bp) {
        if (!r.equals(id)) {
          return;
        }
        resumer.execute(() -> {
          try {
            Thread.sleep((long) (2000 / speed));
            ObjectNode body = Json.object();
            body.put("raiseUsd", "2.00");
            body.put("by", "demo --no-wait");
            ApiClient.Reply reply = api.send("POST", ApiClient.runPath(id, "resume"), body);
            if (reply.status != 200) {
              synchronized (out) {
                out.println("** the automatic resume was refused: " + reply.error());
                out.flush();
              }
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (ApiClient.Unreachable e) {
            synchronized (out) {
              out.println("** the automatic resume failed: " + e.getMessage());
              out.flush();
            }
          }
        });
      }
    };
  }
}
