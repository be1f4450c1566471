package dev.tokenmeter.security;

import static dev.tokenmeter.security.SecHarness.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that trickle a header or a body: cut off by the header and body timeouts within a
 * bound, while the server keeps answering others; more of them than worker threads do not starve
 * the server.
 */
class SlowClientTest {

  static final Duration HEADER_TIMEOUT = Duration.ofMillis(1500);
  static final Duration BODY_TIMEOUT = Duration.ofMillis(1500);
  /** Longer than both, so only the new timeouts can explain a cut-off. */
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(20);
  static final long TRICKLE_MILLIS = 250;

  static SecHarness harness(Path dir, int maxThreads) throws Exception {
    return new SecHarness(dir, b -> b.idleTimeout(IDLE_TIMEOUT).headerTimeout(HEADER_TIMEOUT).bodyTimeout(BODY_TIMEOUT)
        .maxThreads(maxThreads).maxEventStreams(4));
  }

  /** A connection sending {@code head} at once, then one byte of {@code trickle} every TRICKLE_MILLIS. */
  static final class Trickler implements AutoCloseable {
    final Socket socket;
    final long started = System.nanoTime();
    volatile long closedAfterMillis = -1;
    final AtomicBoolean stop = new AtomicBoolean();
    final Thread writer;
    final Thread reader;
    volatile String response = "";

    Trickler(int port, String head, String trickle) throws IOException {
      socket = new Socket("127.0.0.1", port);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      writer = daemon(() -> {
        try {
          for (int i = 0; !stop.get(); i = (i + 1) % trickle.length()) {
            out.write(trickle.charAt(i));
            out.flush();
            Thread.sleep(TRICKLE_MILLIS);
          }
        } catch (IOException | InterruptedException e) {
          // closed by the server: the reader notes when
        }
      });
      reader = daemon(() -> {
        try {
          InputStream in = socket.getInputStream();
          byte[] buf = new byte[4096];
          StringBuilder sb = new StringBuilder();
          for (int n; (n = in.read(buf)) >= 0; ) {
            sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            response = sb.toString();
          }
        } catch (IOException e) {
          // reset: closed too
        }
        closedAfterMillis = (System.nanoTime() - started) / 1_000_000;
      });
    }

    static Thread daemon(Runnable r) {
      Thread t = new Thread(r, "slow-client");
      t.setDaemon(true);
      t.start();
      return t;
    }

    boolean awaitClosed(Duration max) throws InterruptedException {
      reader.join(max.toMillis());
      return closedAfterMillis >= 0;
    }

    @Override
    public void close() throws IOException {
      stop.set(true);
      socket.close();
    }
  }

  static String slowHeaderHead() {
    return "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  }

  static String slowBodyHead() {
    return "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
        + "\r\nContent-Type: application/json\r\nContent-Length: 50000\r\n\r\n";
  }

  static long timed(ThrowingRunnable r) throws Exception {
    long t0 = System.nanoTime();
    r.run();
    return (System.nanoTime() - t0) / 1_000_000;
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void aSlowLorisHeaderIsCutOffByTheHeaderTimeoutWhileOthersAreServed(@TempDir Path dir) throws Exception {
    try (SecHarness h = harness(dir, 16);
        Trickler t = new Trickler(h.server.port(), slowHeaderHead(), "X-Slow: abcdefghij\r\n")) {
      // Meanwhile others are served promptly.
      for (int i = 0; i < 5; i++) {
        long ms = timed(() -> assertThat(h.get("/healthz").statusCode()).isEqualTo(200));
        assertThat(ms).as("healthz during a slow-loris").isLessThan(1000);
        Thread.sleep(100);
      }
      assertThat(t.awaitClosed(Duration.ofSeconds(8))).as("closed by the server").isTrue();
      System.out.printf("slow-loris header (1 byte / %d ms, header timeout %d ms, idle timeout %d ms): closed after %d ms%n",
          TRICKLE_MILLIS, HEADER_TIMEOUT.toMillis(), IDLE_TIMEOUT.toMillis(), t.closedAfterMillis);
      assertThat(t.closedAfterMillis).isBetween(HEADER_TIMEOUT.toMillis() - 100, HEADER_TIMEOUT.toMillis() * 2 + 1000);
    }
  }

  @Test
  void aSlowBodyIsCutOffByTheBodyTimeoutAndChangesNothing(@TempDir Path dir) throws Exception {
    try (SecHarness h = harness(dir, 16)) {
      String before = h.observableState();
      try (Trickler t = new Trickler(h.server.port(), slowBodyHead(), "{\"run\":\"slow\",\"model\":\"m\"}     ")) {
        long ms = timed(() -> assertThat(h.get("/api/v1/runs").statusCode()).isEqualTo(200));
        assertThat(ms).as("status during a slow body").isLessThan(1000);
        assertThat(t.awaitClosed(Duration.ofSeconds(8))).as("closed by the server").isTrue();
        System.out.printf("slow body (1 byte / %d ms of 50000 declared, body timeout %d ms): closed after %d ms, answered %s%n",
            TRICKLE_MILLIS, BODY_TIMEOUT.toMillis(), t.closedAfterMillis, SecHarness.statuses(t.response));
        assertThat(t.closedAfterMillis).isBetween(BODY_TIMEOUT.toMillis() - 100, BODY_TIMEOUT.toMillis() + 2000);
      }
      assertThat(h.meter.status("slow")).isEmpty();
      assertThat(h.observableState()).isEqualTo(before);
    }
  }

  /** 3x as many slow clients as threads, half trickling headers, half bodies: others still get answers fast. */
  @Test
  void moreSlowClientsThanThreadsDoNotStarveTheServer(@TempDir Path dir) throws Exception {
    int threads = 8;
    List<Trickler> slow = new ArrayList<>();
    try (SecHarness h = harness(dir, threads)) {
      h.seed("r1");
      for (int i = 0; i < threads * 3; i++) {
        slow.add(i % 2 == 0
            ? new Trickler(h.server.port(), slowHeaderHead(), "X-Slow: abcdefghij\r\n")
            : new Trickler(h.server.port(), slowBodyHead(), "{\"run\":\"slow\"}      "));
      }
      Thread.sleep(500); // all of them connected and trickling
      long worst = 0;
      for (int i = 0; i < 5; i++) {
        worst = Math.max(worst, timed(() -> assertThat(h.get("/healthz").statusCode()).isEqualTo(200)));
        worst = Math.max(worst, timed(() -> assertThat(h.get("/api/v1/runs/r1/gate").statusCode()).isEqualTo(200)));
        worst = Math.max(worst, timed(() -> assertThat(h.get("/metrics").statusCode()).isEqualTo(200)));
      }
      long[] post = new long[1];
      HttpResponse<String>[] usage = new HttpResponse[1];
      post[0] = timed(() -> usage[0] = h.authorized("POST", "/api/v1/usage", SecHarness.usageBody("r1")));
      System.out.printf("%d slow clients on %d threads: slowest read %d ms; a usage POST meanwhile: %d in %d ms%n",
          slow.size(), threads, worst, usage[0].statusCode(), post[0]);
      assertThat(worst).as("slowest read while %d slow clients hold connections", slow.size()).isLessThan(1500);
      // Body reads are rationed: a POST is served, or told 503 at once rather than queued behind the slow ones.
      assertThat(usage[0].statusCode()).isIn(200, 503);
      assertThat(post[0]).isLessThan(1500);
      for (Trickler t : slow) {
        assertThat(t.awaitClosed(Duration.ofSeconds(8))).as("every slow client is cut off").isTrue();
      }
      long afterMs = timed(() -> assertThat(h.authorized("POST", "/api/v1/usage", SecHarness.usageBody("r1")).statusCode()).isEqualTo(200));
      System.out.printf("after the cut-off: slowest slow client closed at %d ms; a usage POST took %d ms%n",
          slow.stream().mapToLong(t -> t.closedAfterMillis).max().orElse(-1), afterMs);
    } finally {
      for (Trickler t : slow) {
        t.close();
      }
    }
  }
}
