package dev.tokenmeter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.RunStatus;
import dev.tokenmeter.TokenMeter;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak of {@code bench/soak.sh}, short and in process, for the build: for 12 s at once, paced
 * NDJSON ingest over a steady set of runs (keyed lines re-sent), webhook pauses with resumes,
 * status and {@code /metrics} scrapes, and event-stream clients that connect and drop. Totals
 * exact, no error answer, and the JVM's thread count does not grow in the second half.
 */
class ShortSoakTest {

  static final int RUNS = 50;
  static final long MILLIS = 12_000;

  @TempDir Path state;

  @Test
  void aShortMixedLoadLeavesExactTotalsNoErrorsAndNoThreadGrowth() throws Exception {
    String notify = Files.readString(AlertmanagerReplicasTest.PAYLOADS.resolve("01-firing-nearly-exhausted.json"));
    String pause = Files.readString(AlertmanagerReplicasTest.PAYLOADS.resolve("02-firing-budget-exceeded.json"));
    try (Loopback s = new Loopback(TokenMeter.builder().priceBook(CardinalityAttackTest.BOOK).stateDir(state)
        .sweepInterval(Duration.ofSeconds(1)).build())) {
      long end = System.nanoTime() + MILLIS * 1_000_000;
      ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
      long[][] expected = new long[2][RUNS]; // input tokens, requests, per ingest worker's runs
      AtomicLong paused = new AtomicLong();
      List<Thread> threads = new ArrayList<>();
      List<Integer> threadCounts = new ArrayList<>();

      for (int w = 0; w < 2; w++) {
        int id = w;
        threads.add(start(() -> {
          SplittableRandom rnd = new SplittableRandom(id);
          List<String> previous = List.of();
          for (int r = 0; System.nanoTime() < end; r++) {
            StringBuilder body = new StringBuilder();
            List<String> keyed = new ArrayList<>();
            long[] in = new long[RUNS];
            long[] req = new long[RUNS];
            for (int j = 0; j < 200; j++) {
              int run = rnd.nextInt(RUNS);
              long input = 1 + rnd.nextInt(10_000);
              String line = "{\"run\":\"soak-" + run + "\",\"subagent\":\"coder\",\"model\":\"claude-sonnet-4-5\",\"inputTokens\":"
                  + input + ",\"outputTokens\":5,\"idempotencyKey\":\"w" + id + "-" + r + "-" + j + "\"}";
              body.append(line).append('\n');
              keyed.add(line);
              in[run] += input;
              req[run]++;
            }
            for (String again : previous.subList(0, Math.min(5, previous.size()))) {
              body.append(again).append('\n'); // counted once already
            }
            try {
              HttpResponse<String> a = s.client.send(HttpRequest.newBuilder(s.uri("/api/v1/usage"))
                  .header("Authorization", "Bearer " + Loopback.TOKEN).header("Content-Type", "application/x-ndjson")
                  .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
              if (a.statusCode() != 200 || !a.body().contains("\"counted\":200") || !a.body().contains("\"duplicates\":" + Math.min(5, previous.size()))) {
                errors.add("ingest: " + a.statusCode() + " " + a.body());
              } else {
                synchronized (expected) {
                  for (int k = 0; k < RUNS; k++) {
                    expected[0][k] += in[k];
                    expected[1][k] += req[k];
                  }
                }
              }
            } catch (Exception e) {
              errors.add("ingest: " + e);
            }
            previous = keyed;
            sleep(50);
          }
        }));
      }
      threads.add(start(() -> {
        for (int i = 0; System.nanoTime() < end; i++) {
          try {
            String fp = String.format("%016x", 0x5000L + i);
            String body = (i % 5 == 0 ? pause.replace("run-a", "soak-wh" + (i % 7)) : notify)
                .replaceAll("\"fingerprint\":\"[^\"]+\"", "\"fingerprint\":\"" + fp + "\"");
            HttpResponse<String> a = s.post("/api/v1/alerts", body);
            if (a.statusCode() != 200) {
              errors.add("webhook: " + a.statusCode() + " " + a.body());
            } else if (i % 5 == 0) {
              if (!a.body().contains("\"paused\":1")) {
                errors.add("webhook: no pause: " + a.body());
              }
              paused.incrementAndGet();
              HttpResponse<String> r = s.post("/api/v1/runs/soak-wh" + (i % 7) + "/resume", "{\"override\":true}");
              if (r.statusCode() != 200) {
                errors.add("resume: " + r.statusCode() + " " + r.body());
              }
            }
          } catch (Exception e) {
            errors.add("webhook: " + e);
          }
          sleep(20);
        }
      }));
      threads.add(start(() -> {
        for (int i = 0; System.nanoTime() < end; i++) {
          try {
            if (s.get("/metrics").statusCode() != 200) {
              errors.add("metrics");
            }
            HttpResponse<String> st = s.get("/api/v1/runs/soak-" + (i % RUNS));
            if (st.statusCode() != 200 && st.statusCode() != 404) {
              errors.add("status: " + st.statusCode());
            }
            synchronized (threadCounts) {
              threadCounts.add(Thread.activeCount());
            }
          } catch (Exception e) {
            errors.add("scrape: " + e);
          }
          sleep(100);
        }
      }));
      for (int c = 0; c < 3; c++) {
        int id = c;
        threads.add(start(() -> {
          SplittableRandom rnd = new SplittableRandom(100 + id);
          while (System.nanoTime() < end) {
            try {
              HttpResponse<InputStream> r = s.client.send(HttpRequest.newBuilder(s.uri("/api/v1/events")).build(),
                  HttpResponse.BodyHandlers.ofInputStream());
              try (InputStream in = r.body()) {
                if (r.statusCode() != 200) {
                  errors.add("sse: " + r.statusCode());
                }
                long until = System.nanoTime() + 300_000_000L + rnd.nextInt(1_000_000_000);
                byte[] buf = new byte[8192];
                while (System.nanoTime() < until && in.read(buf) >= 0) {
                  // read, then drop the connection
                }
              }
            } catch (Exception e) {
              errors.add("sse: " + e);
            }
          }
        }));
      }
      for (Thread t : threads) {
        t.join(MILLIS + 30_000);
      }

      assertThat(errors).isEmpty();
      long input = 0;
      for (int k = 0; k < RUNS; k++) {
        RunStatus st = s.meter.status("soak-" + k).orElseThrow();
        assertThat(st.tokens().input()).as("soak-%d input", k).isEqualTo(expected[0][k]);
        assertThat(st.requests()).as("soak-%d requests", k).isEqualTo(expected[1][k]);
        input += expected[0][k];
      }
      assertThat(input).isPositive();
      assertThat(paused.get()).isPositive();
      // Threads: the most seen in the last quarter is no more than in the second quarter + 4.
      int n = threadCounts.size();
      int q2 = threadCounts.subList(n / 4, n / 2).stream().mapToInt(Integer::intValue).max().orElse(0);
      int q4 = threadCounts.subList(3 * n / 4, n).stream().mapToInt(Integer::intValue).max().orElse(0);
      assertThat(q4).as("threads, second quarter %d, last quarter %d", q2, q4).isLessThanOrEqualTo(q2 + 4);
    }
  }

  private static Thread start(Runnable r) {
    Thread t = new Thread(r, "short-soak");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
