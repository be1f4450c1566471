package dev.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.budget.PauseSource;
import dev.tokenmeter.server.Json;
import dev.tokenmeter.server.TokenMeterServer;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClientCommandsTest {

  private static final String TOKEN = "cli-token";
  private TokenMeter meter;
  private TokenMeterServer server;
  private Map<String, String> env;

  @BeforeEach
  void start() throws Exception {
    meter = TokenMeter.builder().priceBook(dev.tokenmeter.pricing.DefaultPriceBook.load()).defaultRunBudget(new BigDecimal("1.00")).sweepInterval(Duration.ZERO).build();
    server = TokenMeterServer.builder(meter).port(0).apiToken(TOKEN).shutdownIdleTimeout(Duration.ofMillis(100)).build().start();
    env = Map.of("TOKENMETER_SERVER", server.uri().toString(), "TOKENMETER_API_TOKEN", TOKEN);
    meter.handle("r1", "s1", "coder", "claude-sonnet-4-5").record(10_000, 2_000, 50_000, 0, 0);
  }

  @AfterEach
  void stop() {
    server.close();
    meter.close();
  }

  @Test
  void gateExitCodes() {
    Cli open = Cli.run(env, "gate", "r1");
    assertThat(open.exit).isEqualTo(0);
    assertThat(open.out()).isEqualTo("open\n");

    meter.pause("r1", PauseSource.MANUAL, "hold on", "ana");
    Cli paused = Cli.run(env, "gate", "r1");
    assertThat(paused.exit).isEqualTo(3);
    assertThat(paused.out()).startsWith("paused (manual): hold on since ");

    Cli down = Cli.run(Map.of(), "gate", "r1", "--server", "http://127.0.0.1:1");
    assertThat(down.exit).isEqualTo(2);
    assertThat(down.err()).startsWith("tokenmeter: cannot reach tokenmeter at http://127.0.0.1:1/");

    assertThat(Cli.run(env, "gate").exit).isEqualTo(2); // usage error
  }

  @Test
  void statusJsonKeepsTheContractFields() throws Exception {
    Cli c = Cli.run(env, "run:status", "r1", "--json");
    assertThat(c.exit).isEqualTo(0);
    JsonNode run = Json.MAPPER.readTree(c.out());
    assertThat(run.fieldNames()).toIterable()
        .contains("run", "session", "state", "costUsd", "budgetUsd", "tokens", "bySubagent", "byModel", "breakpoint",
            "burnRateUsdPerMinute", "unpricedModels", "requests", "history");
    assertThat(run.get("run").asText()).isEqualTo("r1");
    assertThat(run.get("session").asText()).isEqualTo("s1");
    // 10k * 3 + 2k * 15 + 50k * 0.3 per million = 0.075
    assertThat(run.get("costUsd").asText()).isEqualTo("0.075");
    assertThat(run.get("tokens").get("cache_read").asLong()).isEqualTo(50_000);
    assertThat(run.get("breakpoint").isNull()).isTrue();

    Cli missing = Cli.run(env, "run:status", "nope");
    assertThat(missing.exit).isEqualTo(1);
    assertThat(missing.err()).isEqualTo("tokenmeter: run nope is not held by this instance\n");
  }

  @Test
  void statusHumanViewAndWatch() {
    meter.pause("r1", PauseSource.MANUAL, "hold on", "ana");
    Cli c = Cli.run(env, "run:status", "r1");
    assertThat(c.exit).isEqualTo(0);
    assertThat(c.out())
        .startsWith("run r1  (session s1)  PAUSED\n")
        .contains("  cost      $0.075 of $1.00  [###.....................................] 7%\n")
        .contains("  burn      $0.075/min over the last minute")
        .contains("  paused    manual: hold on")
        .contains("tokenmeter run:resume r1")
        .contains("by subagent")
        .contains("coder")
        .contains("by model")
        .contains("claude-sonnet-4-5");

    Cli w = Cli.run(env, "run:status", "r1", "--watch", "--refreshes", "2", "--interval-millis", "10");
    assertThat(w.exit).isEqualTo(0);
    String[] frames = w.out().split(java.util.regex.Pattern.quote(RunStatusCommand.CLEAR), -1);
    assertThat(frames).hasSize(3);
    assertThat(frames[0]).isEmpty();
    assertThat(frames[1]).startsWith("run r1");
    assertThat(frames[2]).startsWith("run r1");
  }

  @Test
  void pauseResumeBudget() {
    Cli p = Cli.run(env, "run:pause", "r1", "--reason", "review", "--by", "ana");
    assertThat(p.exit).isEqualTo(0);
    assertThat(p.out()).isEqualTo("run r1 paused\n");
    assertThat(Cli.run(env, "run:pause", "r1").out()).isEqualTo("run r1 was paused already\n");

    Cli refused = Cli.run(env, "run:resume", "r1", "--budget", "0.01");
    assertThat(refused.exit).isEqualTo(1);
    assertThat(refused.err()).startsWith("tokenmeter: run r1 stays paused: run r1 has cost $0.075, at or above the new budget $0.01.");
    assertThat(meter.gate("r1").isPaused()).isTrue();

    Cli both = Cli.run(env, "run:resume", "r1", "--raise", "1", "--override");
    assertThat(both.exit).isEqualTo(2);
    assertThat(both.err()).contains("mutually exclusive");

    Cli ok = Cli.run(env, "run:resume", "r1", "--raise", "2");
    assertThat(ok.exit).isEqualTo(0);
    assertThat(ok.out()).isEqualTo("run r1 resumed; budget $3\n");

    Cli b = Cli.run(env, "run:budget", "r1", "5.50");
    assertThat(b.exit).isEqualTo(0);
    assertThat(meter.status("r1").orElseThrow().budgetUsd()).isEqualByComparingTo("5.5");

    Cli noToken = Cli.run(Map.of("TOKENMETER_SERVER", server.uri().toString()), "run:pause", "r1");
    assertThat(noToken.exit).isEqualTo(1);
    assertThat(noToken.err()).contains("Authorization: Bearer");
    assertThat(meter.gate("r1").isPaused()).isFalse();

    assertThat(Cli.run(env, "run:budget", "r1", "lots").exit).isEqualTo(2);
  }

  @Test
  void helpAndPricesStub() {
    for (String cmd : new String[] {"serve", "demo", "run:status", "run:pause", "run:resume", "run:budget", "gate", "prices"}) {
      Cli h = Cli.run(cmd, "--help");
      assertThat(h.exit).as(cmd).isEqualTo(0);
      assertThat(h.out()).as(cmd).contains("Usage: tokenmeter " + cmd);
    }
    Cli prices = Cli.run("prices", "list", "--model", "claude-sonnet-4-5-20250929");
    assertThat(prices.exit).isZero();
    assertThat(prices.out()).contains("claude-sonnet-4-5 ").contains("above 200000");
  }
}
