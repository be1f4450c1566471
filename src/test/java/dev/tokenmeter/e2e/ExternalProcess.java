package dev.tokenmeter.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** A real program started by a test, its output in a log file, killed on close. */
final class ExternalProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path log;

  private ExternalProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  static ExternalProcess start(String name, List<String> command, Path logDir) {
    try {
      Path log = logDir.resolve(name + ".log");
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      return new ExternalProcess(name, p, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  /** Waits until {@code url} answers 200, failing with the process log when it does not. */
  ExternalProcess awaitReady(String url, Duration timeout) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + log());
      }
      try {
        HttpResponse<Void> r =
            client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return this;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      sleep(100);
    }
    throw new IllegalStateException(name + " not ready at " + url + " after " + timeout + ":\n" + log());
  }

  String log() {
    try {
      String s = Files.readString(log);
      return s.length() > 8000 ? "..." + s.substring(s.length() - 8000) : s;
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(java.util.concurrent.TimeUnit.SECONDS.toMillis(10), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The path of a program from Debian's packages. Skips the test when it is missing, unless
   * {@code CI=true}: CI installs them, so there a missing program is a failure, not a skip.
   */
  static String requireProgram(String... candidates) {
    for (String c : candidates) {
      for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
        Path p = Path.of(dir, c);
        if (Files.isExecutable(p)) {
          return p.toString();
        }
      }
    }
    String msg = String.join(" or ", candidates) + " is not installed (apt-get install prometheus prometheus-alertmanager)";
    if ("true".equals(System.getenv("CI"))) {
      throw new IllegalStateException(msg);
    }
    Assumptions.assumeTrue(false, msg);
    return null;
  }

  /** A command that runs the tokenmeter CLI from the test classpath. */
  static List<String> tokenmeter(String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), "dev.tokenmeter.cli.Main"));
    cmd.addAll(List.of(args));
    return cmd;
  }
}
