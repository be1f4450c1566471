package dev.tokenmeter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.budget.HistoryEntry;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alertmanager in HA sends each group from every replica: the same alerts (same fingerprint and
 * startsAt) arrive more than once, at the same instant or one after the other. One pause, counted
 * once, one history entry; a late copy after a person's resume changes nothing.
 */
class AlertmanagerReplicasTest {

  static final Path PAYLOADS = Path.of("/work/shared/data/alertmanager-webhook");
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path state;

  private static long pauses(TokenMeter m, String run) {
    return m.status(run).orElseThrow().history().stream()
        .filter(h -> h.action() == HistoryEntry.Action.PAUSE).count();
  }

  private static long sum(List<HttpResponse<String>> answers, String field) throws Exception {
    long n = 0;
    for (HttpResponse<String> r : answers) {
      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode j = JSON.readTree(r.body());
      n += j.path(field).asLong();
    }
    return n;
  }

  @Test
  void twoReplicasSendingTheSameGroupAtOncePauseOnceAndCountOnce() throws Exception {
    String single = Files.readString(PAYLOADS.resolve("02-firing-budget-exceeded.json"));
    String group = Files.readString(PAYLOADS.resolve("04-firing-grouped-two-runs.json"));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (Loopback s = new Loopback(TokenMeter.builder().stateDir(state).sweepInterval(Duration.ZERO).build())) {
      for (int round = 0; round < 20; round++) {
        // Each round a fresh alert: the two replicas send it at the same instant, twice each.
        String body = (round % 2 == 0 ? single : group).replaceAll("\"startsAt\":\"[^\"]+\"",
            String.format("\"startsAt\":\"2026-12-05T00:00:%02d.000Z\"", round));
        String[] runs = round % 2 == 0 ? new String[] {"run-a"} : new String[] {"run-a", "run-c"};
        for (String r : runs) {
          s.meter.pause(r, dev.tokenmeter.budget.PauseSource.MANUAL, "x", "t"); // make sure the resume below has a pause to clear
          s.meter.resume(r, dev.tokenmeter.budget.ResumeRequest.builder().override(true).by("ops").build());
        }
        long[] before = new long[runs.length];
        for (int i = 0; i < runs.length; i++) {
          before[i] = pauses(s.meter, runs[i]);
        }
        CyclicBarrier start = new CyclicBarrier(4);
        List<Future<HttpResponse<String>>> fs = new ArrayList<>();
        for (int replica = 0; replica < 4; replica++) {
          Callable<HttpResponse<String>> c = () -> {
            start.await();
            return s.post("/api/v1/alerts", body);
          };
          fs.add(pool.submit(c));
        }
        List<HttpResponse<String>> answers = new ArrayList<>();
        for (Future<HttpResponse<String>> f : fs) {
          answers.add(f.get());
        }
        assertThat(sum(answers, "paused")).as("round %d paused", round).isEqualTo(runs.length);
        assertThat(sum(answers, "duplicates")).as("round %d duplicates", round).isEqualTo(3L * runs.length);
        for (int i = 0; i < runs.length; i++) {
          assertThat(pauses(s.meter, runs[i]) - before[i]).as("round %d, %s: pause entries", round, runs[i]).isEqualTo(1);
          assertThat(s.get("/api/v1/runs/" + runs[i] + "/gate").statusCode()).isEqualTo(423);
        }
      }
      assertThat(s.metric("tokenmeter_webhook_requests_total", "outcome=\"accepted\"")).isEqualTo(80);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theSecondReplicasCopyAfterAResumeChangesNothing() throws Exception {
    String body = Files.readString(PAYLOADS.resolve("02-firing-budget-exceeded.json"));
    String repeat = Files.readString(PAYLOADS.resolve("03-firing-budget-exceeded-repeat.json"));
    try (Loopback s = new Loopback(TokenMeter.builder().stateDir(state).sweepInterval(Duration.ZERO).build())) {
      HttpResponse<String> first = s.post("/api/v1/alerts", body);
      assertThat(JSON.readTree(first.body()).path("paused").asLong()).isEqualTo(1);
      assertThat(s.post("/api/v1/runs/run-a/resume", "{\"override\":true,\"by\":\"ops\"}").statusCode()).isEqualTo(200);
      // The other replica's copy, late, and Alertmanager's repeat of it.
      for (String b : new String[] {body, repeat, body}) {
        HttpResponse<String> r = s.post("/api/v1/alerts", b);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("paused").asLong()).isZero();
        assertThat(s.get("/api/v1/runs/run-a/gate").statusCode()).isEqualTo(200);
      }
      assertThat(pauses(s.meter, "run-a")).isEqualTo(1);
    }
  }
}
