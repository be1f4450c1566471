package dev.tokenmeter.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SeriesTest {

  @Test
  void countsEachTierAndTheRequests() {
    Series s = new Series("coder", "m");
    s.add(false, 1, 2, 3, 4, 5);
    s.add(false, 10, 0, 30, 0, 50);
    s.add(true, 100, 200, 300, 400, 500);

    assertThat(s.tokens(false)).isEqualTo(TokenCounts.of(11, 2, 33, 4, 55));
    assertThat(s.tokens(true)).isEqualTo(TokenCounts.of(100, 200, 300, 400, 500));
    assertThat(s.tokens()).isEqualTo(TokenCounts.of(111, 202, 333, 404, 555));
    assertThat(s.requests()).isEqualTo(3);
  }

  @Test
  void concurrentAddsAreAllCountedAndReadsNeverGoBack() throws Exception {
    Series s = new Series("coder", "m");
    int threads = 4;
    int adds = 200_000;
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicReference<String> readerFailure = new AtomicReference<>();
    Thread reader =
        new Thread(
            () -> {
              long lastInput = 0;
              long lastRequests = 0;
              while (writing.get()) {
                long in = s.tokens(false).input();
                long req = s.requests();
                if (in < lastInput || req < lastRequests) {
                  readerFailure.set("went back: input " + lastInput + " -> " + in + ", requests "
                      + lastRequests + " -> " + req);
                  return;
                }
                lastInput = in;
                lastRequests = req;
              }
            });
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                for (int i = 0; i < adds; i++) {
                  s.add(i % 10 == 0, 1, 2, 3, 4, 5);
                }
              });
      writers.add(w);
      w.start();
    }
    reader.start();
    start.countDown();
    for (Thread w : writers) {
      w.join();
    }
    writing.set(false);
    reader.join();

    long n = (long) threads * adds;
    long lc = (long) threads * (adds / 10);
    long base = n - lc;
    assertThat(readerFailure.get()).isNull();
    assertThat(s.requests()).isEqualTo(n);
    assertThat(s.tokens(false)).isEqualTo(TokenCounts.of(base, 2 * base, 3 * base, 4 * base, 5 * base));
    assertThat(s.tokens(true)).isEqualTo(TokenCounts.of(lc, 2 * lc, 3 * lc, 4 * lc, 5 * lc));
  }
}
