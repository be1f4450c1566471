package dev.tokenmeter.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EventStreamTest {

  private static final String EVENT = "{\"run\":\"r1\",\"model\":\"claude-sonnet-4-5\",\"inputTokens\":1000}";
  private Harness h;

  @BeforeEach
  void start() throws Exception {
    h = new Harness(null);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  /** One SSE connection read line by line on its own thread. */
  private final class Stream implements AutoCloseable {
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final InputStream in;

    Stream(String lastEventId) throws Exception {
      HttpRequest.Builder r = HttpRequest.newBuilder(h.uri("/api/v1/events")).timeout(Duration.ofSeconds(10));
      if (lastEventId != null) {
        r.header("Last-Event-ID", lastEventId);
      }
      HttpResponse<InputStream> resp = h.client.send(r.build(), HttpResponse.BodyHandlers.ofInputStream());
      assertThat(resp.statusCode()).isEqualTo(200);
      assertThat(resp.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
      in = resp.body();
      Thread t =
          new Thread(
              () -> {
                try (BufferedReader br = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                  for (String line; (line = br.readLine()) != null; ) {
                    lines.add(line);
                  }
                } catch (Exception closed) {
                  // the test closed the stream
                }
              });
      t.setDaemon(true);
      t.start();
    }

    /** Reads up to the next event of this type; returns its id, event and data lines. */
    List<String> next(String type) throws InterruptedException {
      List<String> event = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < deadline) {
        String line = lines.poll(100, TimeUnit.MILLISECONDS);
        if (line == null) {
          continue;
        }
        if (line.isEmpty()) {
          if (event.contains("event: " + type)) {
            return event;
          }
          event.clear();
        } else {
          event.add(line);
        }
      }
      throw new AssertionError("no " + type + " event within 5 s");
    }

    void awaitLine(String expected) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < deadline) {
        if (expected.equals(lines.poll(100, TimeUnit.MILLISECONDS))) {
          return;
        }
      }
      throw new AssertionError("no line " + expected + " within 5 s");
    }

    @Override
    public void close() throws Exception {
      in.close();
    }
  }

  @Test
  void liveEventsThenCatchUpWithLastEventId() throws Exception {
    String lastId;
    try (Stream s = new Stream(null)) {
      h.post("/api/v1/usage", EVENT);
      List<String> usage = s.next("usage");
      assertThat(usage.get(0)).matches("id: \\d+");
      assertThat(usage.get(2)).startsWith("data: {\"run\":\"r1\",\"session\":null,\"subagent\":\"main\",\"model\":\"claude-sonnet-4-5\"")
          .contains("\"costUsd\":\"0.003\"");
      h.post("/api/v1/runs/r1/pause", "{\"reason\":\"look\"}");
      List<String> pause = s.next("pause");
      assertThat(pause.get(2)).contains("\"reason\":\"look\"").contains("\"source\":\"manual\"");
      lastId = pause.get(0).substring(4);
      s.awaitLine(": heartbeat"); // an idle stream still shows it is alive
    }

    // While disconnected: a resume and more usage.
    h.post("/api/v1/runs/r1/resume", "{\"by\":\"ana\"}");
    h.post("/api/v1/usage", EVENT);

    try (Stream s = new Stream(lastId)) {
      List<String> resume = s.next("resume");
      assertThat(Long.parseLong(resume.get(0).substring(4))).isEqualTo(Long.parseLong(lastId) + 1);
      assertThat(resume.get(2)).contains("\"by\":\"ana\"");
      List<String> usage = s.next("usage");
      assertThat(Long.parseLong(usage.get(0).substring(4))).isEqualTo(Long.parseLong(lastId) + 2);
    }
  }

  @Test
  void thresholdEventsAndABoundedBuffer() throws Exception {
    // 20 events into a ring of 16: a client from id 0 gets the last 16 only.
    for (int i = 0; i < 19; i++) {
      h.post("/api/v1/usage", EVENT);
    }
    h.post("/api/v1/usage", "{\"run\":\"r1\",\"model\":\"claude-sonnet-4-5\",\"outputTokens\":40000}");
    try (Stream s = new Stream("0")) {
      List<String> first = s.next("usage");
      long firstId = Long.parseLong(first.get(0).substring(4));
      assertThat(firstId).isGreaterThan(1);
      List<String> threshold = s.next("threshold");
      assertThat(threshold.get(2)).contains("\"fraction\":\"0.5\"").contains("\"action\":\"notify\"");
    }
    assertThat(h.get("/api/v1/events?lastEventId=x").statusCode()).isEqualTo(400);
  }

  @Test
  void anIdFromBeforeARestartGetsEverythingHeld() throws Exception {
    h.post("/api/v1/usage", EVENT);
    // This server has sent one event; a client that saw id 5000 saw a previous server's.
    try (Stream s = new Stream("5000")) {
      List<String> usage = s.next("usage");
      assertThat(usage.get(0)).isEqualTo("id: 1");
    }
  }
}
