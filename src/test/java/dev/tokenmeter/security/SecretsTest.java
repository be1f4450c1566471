package dev.tokenmeter.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.cli.CliAccess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API token never shows: not in stdout, stderr or the log (SLF4J simple logs to stderr) of
 * {@code serve}, not in {@code --print-config}, not in any error, not in {@code /metrics},
 * {@code /healthz} or an error body, and not in the state directory.
 */
class SecretsTest {

  static final String SECRET = "tmLEAK-c0ffee-5ecret-7a1d93";

  @Test
  void serveAsAChildProcessNeverShowsTheTokenFromTheEnvironment(@TempDir Path dir) throws Exception {
    Map<String, String> env = Map.of("TOKENMETER_API_TOKEN", SECRET);
    exerciseServe(dir, env, List.of());
  }

  @Test
  void serveAsAChildProcessNeverShowsTheTokenFromAFile(@TempDir Path dir) throws Exception {
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, SECRET + "\n");
    exerciseServe(dir, Map.of(), List.of("--api-token-file", tokenFile.toString()));
  }

  /**
   * Jetty's own DEBUG log prints request headers, Authorization among them (39 copies of the token
   * in one run): tokenmeter cannot stop that, so it warns at start-up.
   */
  @Test
  void jettyDebugLoggingWithATokenIsWarnedAbout(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("stdout");
    Path err = dir.resolve("stderr");
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.slf4j.simpleLogger.log.org.eclipse.jetty=debug",
                "-cp", System.getProperty("java.class.path"), "dev.tokenmeter.cli.Main",
                "serve", "--port", "0", "--state-dir", dir.resolve("state").toString())
            .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("TOKENMETER_") || k.startsWith("OTEL_"));
    pb.environment().put("TOKENMETER_API_TOKEN", SECRET);
    Process p = pb.start();
    try {
      awaitServing(out, p);
    } finally {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    assertThat(Files.readString(err)).contains("WARN dev.tokenmeter.server.TokenMeterServer - Jetty's debug log is on");
  }

  private void exerciseServe(Path dir, Map<String, String> env, List<String> extra) throws Exception {
    Path state = dir.resolve("state");
    Path out = dir.resolve("stdout");
    Path err = dir.resolve("stderr");
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=debug",
        "-Dorg.slf4j.simpleLogger.log.org.eclipse.jetty=info",
        "-cp", System.getProperty("java.class.path"), "dev.tokenmeter.cli.Main",
        "serve", "--port", "0", "--state-dir", state.toString()));
    cmd.addAll(extra);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("TOKENMETER_") || k.startsWith("OTEL_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    try {
      URI base = awaitServing(out, p);
      HttpClient c = HttpClient.newHttpClient();
      List<String> bodies = new ArrayList<>();
      String usage = "{\"run\":\"r1\",\"model\":\"claude-sonnet-4-5\",\"inputTokens\":10}";
      bodies.add(send(c, base, "POST", "api/v1/usage", usage, null).body());
      bodies.add(send(c, base, "POST", "api/v1/usage", usage, "Bearer " + SECRET.substring(0, 10)).body());
      bodies.add(send(c, base, "POST", "api/v1/usage", usage, "Basic " + SECRET).body());
      HttpResponse<String> ok = send(c, base, "POST", "api/v1/usage", usage, "Bearer " + SECRET);
      assertThat(ok.statusCode()).isEqualTo(200);
      bodies.add(ok.body());
      bodies.add(send(c, base, "POST", "api/v1/usage", "{not json", "Bearer " + SECRET).body());
      bodies.add(send(c, base, "POST", "api/v1/runs/r1/pause", "{\"reason\":\"x\"}", "Bearer " + SECRET).body());
      bodies.add(send(c, base, "POST", "api/v1/runs/r1/resume", "{\"bogus\":1}", "Bearer " + SECRET).body());
      bodies.add(send(c, base, "PUT", "api/v1/runs/r1/budget", "{\"budgetUsd\":\"x\"}", "Bearer " + SECRET).body());
      bodies.add(send(c, base, "POST", "api/v1/alerts", "{\"version\":\"3\"}", "Bearer " + SECRET).body());
      bodies.add(send(c, base, "GET", "api/v1/runs/r1", null, "Bearer " + SECRET).body());
      bodies.add(send(c, base, "GET", "nope", null, "Bearer " + SECRET).body());
      bodies.add(send(c, base, "DELETE", "api/v1/runs/r1", null, "Bearer " + SECRET).body());
      bodies.add(send(c, base, "GET", "metrics", null, null).body());
      bodies.add(send(c, base, "GET", "healthz", null, null).body());
      bodies.add(send(c, base, "GET", "", null, null).body());
      for (String b : bodies) {
        assertThat(b).doesNotContain(SECRET).doesNotContain(SECRET.substring(0, 10));
      }
    } finally {
      p.destroy(); // SIGTERM: the graceful stop logs too
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    String stdout = Files.readString(out);
    String stderr = Files.readString(err);
    assertThat(stdout).contains("tokenmeter serving on");
    assertThat(stderr).as("the log was captured").contains("INFO dev.tokenmeter.server.TokenMeterServer");
    assertThat(stdout + stderr).doesNotContain(SECRET).doesNotContain(SECRET.substring(0, 10));
    try (Stream<Path> files = Files.walk(state)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        assertThat(Files.readString(f)).as(f.toString()).doesNotContain(SECRET);
      }
    }
    System.out.printf("serve %s: %d bytes of stdout, %d bytes of log on stderr, token absent%n",
        env.isEmpty() ? "with --api-token-file" : "with TOKENMETER_API_TOKEN", stdout.length(), stderr.length());
  }

  static URI awaitServing(Path out, Process p) throws Exception {
    Pattern serving = Pattern.compile("serving on (http://\\S+/)");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Matcher m = serving.matcher(Files.readString(out));
      if (m.find()) {
        return URI.create(m.group(1));
      }
      if (!p.isAlive()) {
        throw new AssertionError("serve exited with " + p.exitValue());
      }
      Thread.sleep(100);
    }
    throw new AssertionError("serve did not start");
  }

  static HttpResponse<String> send(HttpClient c, URI base, String method, String path, String body, String auth)
      throws IOException, InterruptedException {
    HttpRequest.Builder r = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (auth != null) {
      r.header("Authorization", auth);
    }
    return c.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void printConfigAndConfigErrorsNeverShowTheToken(@TempDir Path dir) throws Exception {
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, SECRET + "\n");
    Map<String, String> envToken = Map.of("TOKENMETER_API_TOKEN", SECRET);
    List<CliAccess.Result> results = new ArrayList<>();

    results.add(CliAccess.run(envToken, "serve", "--print-config"));
    results.add(CliAccess.run(Map.of(), "serve", "--print-config", "--api-token-file", tokenFile.toString()));
    results.add(CliAccess.run(Map.of("TOKENMETER_API_TOKEN_FILE", tokenFile.toString()), "serve", "--print-config"));
    for (CliAccess.Result r : results) {
      assertThat(r.exit()).isZero();
      assertThat(r.out()).contains("****");
    }

    // Bad configurations next to a configured token: each fails, naming the problem, never the token.
    // Unreadable even for root (CI): a directory where the token file should be.
    Path unreadable = Files.createDirectory(dir.resolve("unreadable-token"));
    Path badKey = dir.resolve("bad-key.yaml");
    Files.writeString(badKey, "api_token: " + SECRET + "\n");
    Path tokenLikeYaml = dir.resolve("colon-token");
    Files.writeString(tokenLikeYaml, SECRET.substring(0, 12) + ": " + SECRET.substring(12) + "\n");
    Path brokenYaml = dir.resolve("broken.yaml");
    Files.writeString(brokenYaml, "port: [" + SECRET + "\n");
    Map<String, String> both = new HashMap<>(envToken);
    List<String[]> bad =
        List.of(
            new String[] {"serve", "--print-config", "--api-token-file", dir.resolve("missing").toString()},
            new String[] {"serve", "--print-config", "--api-token-file", unreadable.toString()},
            new String[] {"serve", "--print-config", "--config", badKey.toString()},
            new String[] {"serve", "--print-config", "--config", tokenFile.toString()},
            new String[] {"serve", "--print-config", "--config", tokenLikeYaml.toString()},
            new String[] {"serve", "--print-config", "--config", brokenYaml.toString()},
            new String[] {"serve", "--print-config", "--port", "notaport"},
            new String[] {"serve", "--bind", "0.0.0.0", "--port", "notaport"},
            new String[] {"serve", "--api-token", SECRET},
            new String[] {"run:pause", "r1", "--server", "http://127.0.0.1:1"});
    for (String[] args : bad) {
      CliAccess.Result r = CliAccess.run(both, args);
      results.add(r);
    }
    StringBuilder all = new StringBuilder();
    for (CliAccess.Result r : results) {
      all.append(r.out()).append(r.err());
      assertThat(r.out() + r.err()).doesNotContain(SECRET).doesNotContain(SECRET.substring(0, 12))
          .doesNotContain(SECRET.substring(12));
    }
    // Not vacuous: the bad ones did fail with a message.
    assertThat(results.subList(3, results.size())).allSatisfy(r -> assertThat(r.exit()).isNotZero());
    assertThat(all).contains("unknown key 'api_token'");
  }
}
