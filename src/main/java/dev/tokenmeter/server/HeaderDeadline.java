package dev.tokenmeter.server;

import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection whose request header has been arriving for longer than the header timeout
 * (slow-loris). Jetty's idle timeout alone does not: it restarts with every byte, so a client
 * sending one byte a second would hold its connection forever. Checked a few times per timeout
 * on the connector's scheduler; a connection between requests (idle keep-alive), or with a
 * request being handled, is left to the idle timeout and the body timeout.
 */
final class HeaderDeadline implements Connection.Listener {

  private static final Logger log = LoggerFactory.getLogger(HeaderDeadline.class);

  private final long timeoutNanos;
  private final long periodMillis;

  HeaderDeadline(long timeoutMillis) {
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    this.periodMillis = Math.max(10, timeoutMillis / 4);
  }

  @Override
  public void onOpened(Connection connection) {
    if (connection instanceof HttpConnection h) {
      // The first header is timed from the connection's creation.
      new Watch(h, h.getConnector().getScheduler(), h.getEndPoint().getCreatedTimeStamp()).schedule();
    }
  }

  private final class Watch implements Runnable {
    private final HttpConnection connection;
    private final Scheduler scheduler;
    /** When the header now arriving started (System.nanoTime), or 0 when none is. */
    private long since;
    private long messages;

    Watch(HttpConnection connection, Scheduler scheduler, long createdMillis) {
      this.connection = connection;
      this.scheduler = scheduler;
      this.since = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(Math.max(0, System.currentTimeMillis() - createdMillis));
      this.messages = 0;
    }

    void schedule() {
      if (connection.getEndPoint().isOpen()) {
        scheduler.schedule(this, periodMillis, TimeUnit.MILLISECONDS);
      }
    }

    @Override
    public void run() {
      long now = System.nanoTime();
      long in = connection.getMessagesIn();
      boolean inHeader = in == connection.getMessagesOut() && !connection.getParser().isStart()
          && connection.getParser().inHeaderState();
      if (!inHeader) {
        since = 0;
      } else if (since == 0 || in != messages) {
        since = now;
      } else if (now - since >= timeoutNanos) {
        log.debug("closing {}: its request header took longer than {} ms", connection.getEndPoint().getRemoteSocketAddress(),
            TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        connection.getEndPoint().close();
        return;
      }
      messages = in;
      schedule();
    }
  }
}
