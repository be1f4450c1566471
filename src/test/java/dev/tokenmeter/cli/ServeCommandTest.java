package dev.tokenmeter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeCommandTest {

  @TempDir Path dir;

  @Test
  void precedenceFlagsOverEnvironmentOverFileOverDefaults() throws Exception {
    Path config = Files.writeString(dir.resolve("tm.yaml"), "port: 9000\nbind: 127.0.0.1\nrun_budget: 3.50\nruns_dir: /data/runs\n");
    Map<String, String> env = Map.of("TOKENMETER_PORT", "9100", "TOKENMETER_API_TOKEN", "very-secret");
    Cli c = Cli.run(env, "serve", "--config", config.toString(), "--port", "9200", "--state-dir", dir.toString(), "--print-config");
    assertThat(c.exit).isEqualTo(0);
    assertThat(c.out())
        .contains("# precedence: flags > environment (TOKENMETER_*) > config file (--config or TOKENMETER_CONFIG) > defaults")
        .containsPattern("port: +9200 +# flag --port")
        .containsPattern("run_budget: +3.5 +# config file .*tm.yaml, key run_budget")
        .containsPattern("runs_dir: +/data/runs +# config file")
        .containsPattern("bind: +127.0.0.1 +# config file")
        .containsPattern("state_dir: +" + java.util.regex.Pattern.quote(dir.toString()) + " +# flag --state-dir")
        .containsPattern("prices: +# not set")
        .containsPattern("max_tracked_runs: +50000 +# default")
        .containsPattern("tail_since: +45m +# default")
        .containsPattern("# api token: +\\*\\*\\*\\* +# environment TOKENMETER_API_TOKEN")
        .doesNotContain("very-secret");

    Cli fromEnv = Cli.run(Map.of("TOKENMETER_PORT", "9100", "TOKENMETER_CONFIG", config.toString()), "serve", "--print-config");
    assertThat(fromEnv.out()).containsPattern("port: +9100 +# environment TOKENMETER_PORT").containsPattern("state_dir: +.*\\.tokenmeter/state +# default");
  }

  @Test
  void tokenFromAFileIsMaskedToo() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "file-secret\n");
    Cli c = Cli.run(Map.of(), "serve", "--api-token-file", token.toString(), "--print-config");
    assertThat(c.out()).containsPattern("# api token: +\\*\\*\\*\\* +# flag --api-token-file").doesNotContain("file-secret");
  }

  @Test
  void wrongConfigurationStopsStartUpNamingTheKey() throws Exception {
    Path unknown = Files.writeString(dir.resolve("a.yaml"), "port: 9000\nprot: 1\n");
    Cli c = Cli.run(Map.of(), "serve", "--config", unknown.toString(), "--print-config");
    assertThat(c.exit).isEqualTo(1);
    assertThat(c.err()).isEqualTo("tokenmeter: config file " + unknown + ": unknown key 'prot'; allowed keys: port, bind, prices, state_dir, api_token_file, runs_dir, claude_dir, run_budget, max_tracked_runs, tail_since\n");

    Cli badPort = Cli.run(Map.of("TOKENMETER_PORT", "ninety"), "serve", "--print-config");
    assertThat(badPort.err()).isEqualTo("tokenmeter: environment TOKENMETER_PORT: the port must be an integer from 0 to 65535, got 'ninety'\n");

    Path badBind = Files.writeString(dir.resolve("b.yaml"), "bind: my-host.example\n");
    Cli b = Cli.run(Map.of(), "serve", "--config", badBind.toString(), "--print-config");
    assertThat(b.err()).startsWith("tokenmeter: config file " + badBind + ", key bind: bind address must be an IP address");

    Cli budget = Cli.run(Map.of(), "serve", "--run-budget", "-3", "--print-config");
    assertThat(budget.err()).isEqualTo("tokenmeter: flag --run-budget: the run budget must be a non-negative USD amount like 5.00, got '-3'\n");

    Cli cap = Cli.run(Map.of("TOKENMETER_MAX_TRACKED_RUNS", "0"), "serve", "--print-config");
    assertThat(cap.exit).isEqualTo(1);
    assertThat(cap.err()).isEqualTo("tokenmeter: environment TOKENMETER_MAX_TRACKED_RUNS: the cap on tracked runs must be a whole number from 1 to 2147483647, got '0'\n");
    assertThat(Cli.run(Map.of(), "serve", "--max-tracked-runs", "2000", "--print-config").out())
        .containsPattern("max_tracked_runs: +2000 +# flag --max-tracked-runs");
    assertThat(Cli.run(Map.of("TOKENMETER_TAIL_SINCE", "all"), "serve", "--print-config").out())
        .containsPattern("tail_since: +all +# environment TOKENMETER_TAIL_SINCE");
    Cli since = Cli.run(Map.of(), "serve", "--tail-since", "yesterday", "--print-config");
    assertThat(since.exit).isEqualTo(1);
    assertThat(since.err()).isEqualTo("tokenmeter: flag --tail-since: tail since must be `all` or a duration like 45m, 6h or 7d, got 'yesterday'\n");

    Path nested = Files.writeString(dir.resolve("c.yaml"), "port:\n  value: 3\n");
    assertThat(Cli.run(Map.of(), "serve", "--config", nested.toString(), "--print-config").err())
        .contains("key port: must be a single value");

    Cli noFile = Cli.run(Map.of(), "serve", "--api-token-file", dir.resolve("missing").toString(), "--print-config");
    assertThat(noFile.err()).startsWith("tokenmeter: flag --api-token-file: cannot read the API token file");
  }

  @Test
  void refusesToBindBeyondLoopbackWithoutAToken() {
    Cli c = Cli.run(Map.of(), "serve", "--bind", "0.0.0.0", "--port", "0", "--state-dir", dir.toString());
    assertThat(c.exit).isEqualTo(1);
    assertThat(c.err()).startsWith("tokenmeter: refusing to listen on 0.0.0.0 without an API token");
  }
}
