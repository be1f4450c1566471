package dev.tokenmeter.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventLogTest {

  @Test
  void concurrentAppendsAreReadInOrderWithoutGaps() throws Exception {
    EventLog log = new EventLog(10_000);
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      Thread t = new Thread(() -> {
        for (int i = 0; i < 1000; i++) {
          log.append("usage", Json::object);
        }
      });
      writers.add(t);
      t.start();
    }
    List<Long> seen = new ArrayList<>();
    long cursor = 0;
    while (cursor < 4000) {
      for (EventLog.Entry e : log.after(cursor)) {
        seen.add(e.id);
        cursor = e.id;
      }
      log.await(cursor, 50);
    }
    for (Thread t : writers) {
      t.join();
    }
    assertThat(seen).hasSize(4000);
    for (int i = 0; i < seen.size(); i++) {
      assertThat(seen.get(i)).isEqualTo(i + 1L);
    }
  }

  @Test
  void aFullRingKeepsTheNewestAndCloseWakesWaiters() throws Exception {
    EventLog log = new EventLog(3);
    for (int i = 0; i < 5; i++) {
      log.append("usage", Json::object);
    }
    assertThat(log.after(0)).extracting(e -> e.id).containsExactly(3L, 4L, 5L);
    assertThat(log.after(4)).extracting(e -> e.id).containsExactly(5L);
    Thread closer = new Thread(() -> {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        return;
      }
      log.close();
    });
    closer.start();
    long t0 = System.nanoTime();
    assertThat(log.await(5, 10_000)).isFalse();
    assertThat(System.nanoTime() - t0).isLessThan(5_000_000_000L);
  }
}
