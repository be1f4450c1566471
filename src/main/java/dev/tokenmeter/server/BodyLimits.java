package dev.tokenmeter.server;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Bounds blocking body reads, which hold a pool thread each: a read that is not done within the
 * body timeout has its connection closed (a client trickling bytes resets the idle timeout with
 * every byte, so that alone would not end it), and only so many reads run at once, so clients
 * trickling bodies cannot take the threads that status, gate, health and metrics need. A read
 * that finds no slot within {@link #WAIT_MILLIS} is answered 503.
 */
final class BodyLimits {

  /** A body read of a normal client takes microseconds: a permit frees this fast under load. */
  static final long WAIT_MILLIS = 50;

  private final long timeoutMillis;
  private final Semaphore readers;

  BodyLimits(long timeoutMillis, int maxReaders) {
    this.timeoutMillis = timeoutMillis;
    this.readers = new Semaphore(maxReaders);
  }

  /** One body read: close it when the body is read (or failed). */
  final class Reading implements AutoCloseable {
    private final Scheduler.Task deadline;

    private Reading(Scheduler.Task deadline) {
      this.deadline = deadline;
    }

    @Override
    public void close() {
      deadline.cancel();
      readers.release();
    }
  }

  /** @throws HttpError 503 when too many bodies are being read already */
  Reading start(Request req) {
    try {
      if (!readers.tryAcquire(WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
        throw HttpError.of(503, "too many request bodies are being received; try again");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw HttpError.of(503, "interrupted while waiting to read the request body");
    }
    EndPoint endPoint = req.getConnectionMetaData().getConnection().getEndPoint();
    Scheduler.Task t =
        req.getComponents().getScheduler().schedule(
            () -> endPoint.close(new TimeoutException("request body not received within " + timeoutMillis + " ms")),
            timeoutMillis, TimeUnit.MILLISECONDS);
    return new Reading(t);
  }
}
