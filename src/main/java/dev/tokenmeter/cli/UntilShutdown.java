package dev.tokenmeter.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a serving command alive until Ctrl-C, SIGTERM or an interrupt, and lets the JVM's
 * shutdown wait for the graceful close. Open it first in a try-with-resources, so it closes last.
 */
final class UntilShutdown implements AutoCloseable {

  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread hook;

  UntilShutdown() {
    Thread waiter = Thread.currentThread();
    this.hook =
        new Thread(
            () -> {
              waiter.interrupt();
              try {
                closed.await(15, TimeUnit.SECONDS); // the server's stop timeout fits in this
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "tokenmeter-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Blocks until shutdown or interrupt. */
  void await() {
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException stop) {
      // time to close
    }
  }

  @Override
  public void close() {
    closed.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running: it has just been released
    }
  }
}
