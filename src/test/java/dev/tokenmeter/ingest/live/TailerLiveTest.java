package dev.tokenmeter.ingest.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.RunStatus;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.pricing.DefaultPriceBook;
import dev.tokenmeter.usage.TokenCounts;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A writer thread appends to a transcript and a journal while a tailer follows them into a real
 * meter with a budget. Each complete line must show in the meter within a second; a half line or
 * half file never counts until it is complete; a budget crossed by a streamed response's growth
 * pauses the run. Run once waking on watch events, once polling only (the fallback for file
 * systems that lose events).
 */
class TailerLiveTest {

  static final String SESSION = "5b0c1d2e-live-0000-0000-000000000001";
  static final String RUN = "01KTMLIVERUN000000000000001";
  static final String SONNET = "claude-sonnet-4-5-20250929";
  static final long WITHIN_MILLIS = 1000;

  @TempDir
  Path tmp;

  /** One thing the writer did, and when it finished. */
  record Step(String what, long doneNanos) {}

  @ParameterizedTest(name = "watch={0}")
  @ValueSource(booleans = {true, false})
  void followsAWriterWithinASecond(boolean watch) throws Exception {
    Path claude = tmp.resolve("projects");
    Path slug = claude.resolve("-work-live");
    Files.createDirectories(slug);
    Path transcript = slug.resolve(SESSION + ".jsonl");
    Path runs = tmp.resolve("runs");
    Path journal = runs.resolve(RUN).resolve("journal");
    Files.createDirectories(journal);

    TokenMeter meter = TokenMeter.builder().priceBook(DefaultPriceBook.load())
        .sweepInterval(Duration.ZERO).build();
    // 1000 input + 10 output = $0.00315; the growth to 500 output makes $0.0105: over budget.
    meter.setRunBudget(SESSION, new BigDecimal("0.01"), "test");

    BlockingQueue<Step> done = new ArrayBlockingQueue<>(16);
    Semaphore go = new Semaphore(0);
    Thread writer = new Thread(() -> {
      try {
        go.acquire();
        append(transcript, Lines.user(SESSION) + "\n" + Lines.assistant(SESSION, "msg_A", "req_A", 1000, 10) + "\n");
        done.put(new Step("first copy of A", System.nanoTime()));

        go.acquire();
        String grown = Lines.assistant(SESSION, "msg_A", "req_A", 1000, 500) + "\n";
        int half = grown.length() / 2;
        append(transcript, grown.substring(0, half));
        done.put(new Step("half of A's second copy", System.nanoTime()));
        go.acquire();
        append(transcript, grown.substring(half));
        done.put(new Step("rest of A's second copy", System.nanoTime()));

        go.acquire();
        Path entry = journal.resolve("000001.01KTMLIVE0000000000000001.json");
        String cost = Lines.costTracked("k-1", "claude-opus-4-5-20251101", 100, 2000);
        append(entry, cost.substring(0, cost.length() / 3));
        done.put(new Step("a third of the journal entry", System.nanoTime()));
        go.acquire();
        append(entry, cost.substring(cost.length() / 3));
        done.put(new Step("rest of the journal entry", System.nanoTime()));

        go.acquire();
        append(journal.resolve("000002.01KTMLIVE0000000000000002.json"),
            Lines.runCompleted());
        done.put(new Step("RUN_COMPLETED", System.nanoTime()));
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }, "writer");
    writer.setDaemon(true);

    try (Tailer tailer = Tailer.builder(meter).claudeDir(claude).runsDir(runs).watch(watch).start()) {
      assertThat(tailer.awaitPass(Duration.ofSeconds(10))).isTrue();
      writer.start();

      go.release();
      Step s = done.poll(10, TimeUnit.SECONDS);
      assertWithin(s, () -> tokens(meter, SESSION).equals(TokenCounts.of(1000, 10, 0, 0, 0)));
      assertThat(meter.status(SESSION).orElseThrow().requests()).isEqualTo(1);
      assertThat(meter.gate(SESSION).isPaused()).isFalse();

      go.release();
      s = done.poll(10, TimeUnit.SECONDS);
      assertThat(s.what()).isEqualTo("half of A's second copy");
      // Several passes go by; the half line is never counted.
      assertThat(tailer.awaitPass(Duration.ofSeconds(5))).isTrue();
      assertThat(tailer.awaitPass(Duration.ofSeconds(5))).isTrue();
      assertThat(tokens(meter, SESSION)).isEqualTo(TokenCounts.of(1000, 10, 0, 0, 0));

      go.release();
      s = done.poll(10, TimeUnit.SECONDS);
      assertWithin(s, () -> tokens(meter, SESSION).equals(TokenCounts.of(1000, 500, 0, 0, 0)));
      // The meter adds tokens before it commits the cost, so the pause may come a moment later.
      assertWithin(s, () -> meter.gate(SESSION).isPaused());
      RunStatus session = meter.status(SESSION).orElseThrow();
      assertThat(session.requests()).as("growth is not another request").isEqualTo(1);
      assertThat(session.costUsd()).isEqualByComparingTo("0.0105");
      assertThat(meter.gate(SESSION).isPaused()).as("the growth crossed the budget").isTrue();
      assertThat(meter.gate(SESSION).breakpoint().source().label()).isEqualTo("budget");

      go.release();
      s = done.poll(10, TimeUnit.SECONDS);
      assertThat(tailer.awaitPass(Duration.ofSeconds(5))).isTrue();
      assertThat(tailer.awaitPass(Duration.ofSeconds(5))).isTrue();
      assertThat(meter.status(RUN)).as("a half-written journal entry").isEmpty();

      go.release();
      s = done.poll(10, TimeUnit.SECONDS);
      assertWithin(s, () -> meter.status(RUN).isPresent()
          && meter.status(RUN).get().tokens().equals(TokenCounts.of(100, 2000, 0, 0, 0)));

      go.release();
      s = done.poll(10, TimeUnit.SECONDS);
      assertWithin(s, () -> meter.status(RUN).get().endedAt() != null);
      assertThat(tailer.ingestErrors()).isZero();
    }
    writer.join(5_000);
  }

  /** Waits for the condition and asserts it held within a second of the step. */
  static void assertWithin(Step step, BooleanSupplier condition) throws InterruptedException {
    assertThat(step).as("the writer finished its step").isNotNull();
    long deadline = step.doneNanos() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - step.doneNanos());
    assertThat(condition.getAsBoolean()).as(step.what() + " is counted").isTrue();
    assertThat(millis).as(step.what() + " is counted within a second").isLessThanOrEqualTo(WITHIN_MILLIS);
  }

  static TokenCounts tokens(TokenMeter meter, String run) {
    return meter.status(run).map(RunStatus::tokens).orElse(TokenCounts.ZERO);
  }

  static void append(Path file, String text) throws IOException {
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }
}
