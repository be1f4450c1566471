package dev.tokenmeter.server;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.export.prometheus.TokenMeterCollector;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * tokenmeter's one HTTP server (DESIGN section 6): metrics, usage ingest, run status and
 * control, the Alertmanager webhook, the event stream and the embedded dashboard at {@code /}, on
 * Jetty's core API.
 *
 * <pre>{@code
 * try (TokenMeterServer server = TokenMeterServer.builder(meter).port(0).build().start()) {
 *   URI base = server.uri();
 * }
 * }</pre>
 *
 * <p>Bounded on every side: a fixed thread pool, an idle timeout, a request header limit, a body
 * limit (413 above it) and a cap on open event streams. {@link #close()} stops gracefully: new
 * connections are refused, event streams end, requests in flight finish within the stop
 * timeout.
 */
public final class TokenMeterServer implements AutoCloseable {

  public static final String DEFAULT_BIND = "127.0.0.1";
  public static final int DEFAULT_PORT = 9464;

  private static final Logger log = LoggerFactory.getLogger(TokenMeterServer.class);

  private final Server server;
  private final ServerConnector connector;
  private final TokenMeter meter;
  private final EventLog events;
  private final BurnRate burnRate;
  private final AlertWebhook alerts;
  private final GracefulHandler graceful;
  private final boolean hasToken;

  private TokenMeterServer(Builder b) {
    InetAddress address = bindAddress(b.bind);
    if (b.apiToken == null && !address.isLoopbackAddress()) {
      throw new IllegalStateException(
          "refusing to listen on " + b.bind + " without an API token: anyone who can reach it could"
              + " pause runs and change budgets. Give a token (--api-token-file FILE or the"
              + " TOKENMETER_API_TOKEN environment variable) or bind to 127.0.0.1.");
    }
    this.meter = b.meter;
    this.hasToken = b.apiToken != null;
    this.events = new EventLog(b.eventBufferSize);
    this.burnRate = new BurnRate(System::currentTimeMillis);
    this.alerts =
        new AlertWebhook(b.meter, b.alertMemory, n -> events.append("notification", () -> n));
    PrometheusRegistry registry = b.registry != null ? b.registry : defaultRegistry(b.meter);

    QueuedThreadPool pool = new QueuedThreadPool(b.maxThreads, Math.min(4, b.maxThreads));
    pool.setName("tokenmeter-http");
    pool.setDaemon(true);
    this.server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(b.maxRequestHeaderBytes);
    http.setSendServerVersion(false);
    this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(b.bind);
    connector.setPort(b.port);
    connector.setIdleTimeout(b.idleTimeout.toMillis());
    connector.addEventListener(new HeaderDeadline(b.headerTimeout.toMillis()));
    server.addConnector(connector);
    ApiHandler api =
        new ApiHandler(
            b.meter, b.apiToken == null ? null : new BearerToken(b.apiToken), b.maxBodyBytes, registry,
            alerts, events, burnRate, b.maxEventStreams, b.heartbeat.toMillis(),
            new BodyLimits(b.bodyTimeout.toMillis(), bodyReaders(b)));
    this.graceful = new GracefulHandler(DashboardHandler.withApi(api));
    // During a stop, a connection idle this long is closed; requests in flight still finish.
    graceful.setShutdownIdleTimeout(b.shutdownIdleTimeout.toMillis());
    server.setHandler(graceful);
    server.setErrorHandler(new ClosingErrorHandler());
    server.setStopTimeout(b.stopTimeout.toMillis());
  }

  public static Builder builder(TokenMeter meter) {
    return new Builder(meter);
  }

  /**
   * Listens; returns this.
   *
   * @throws IllegalStateException when the address cannot be bound, saying which
   */
  public TokenMeterServer start() throws Exception {
    meter.addListener(events);
    meter.addListener(burnRate);
    try {
      server.start();
    } catch (Exception e) {
      meter.removeListener(events);
      meter.removeListener(burnRate);
      server.stop();
      if (e instanceof java.io.IOException) {
        throw new IllegalStateException(
            "cannot listen on " + connector.getHost() + ":" + connector.getPort() + ": " + e.getMessage()
                + " (is another tokenmeter running there? choose another port with --port)", e);
      }
      throw e;
    }
    if (hasToken && LoggerFactory.getLogger("org.eclipse.jetty.http.HttpParser").isDebugEnabled()) {
      log.warn("Jetty's debug log is on: it prints every request header, the API token among them;"
          + " set the org.eclipse.jetty log level to info or above");
    }
    log.info("tokenmeter listening on {}", uri());
    return this;
  }

  /** The port listened on (the real one when built with port 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** The base URI, like {@code http://127.0.0.1:9464/}. */
  public URI uri() {
    String host = connector.getHost();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + port() + "/");
  }

  /** Requests being handled now. */
  long requestsInFlight() {
    return graceful.getCurrentRequestCount();
  }

  /** Webhook calls accepted and rejected (malformed), for tests and self-metrics. */
  long webhookCalls(boolean accepted) {
    return accepted ? meter.stats().webhookAccepted() : meter.stats().webhookRejected();
  }

  @Override
  public void close() {
    meter.removeListener(events);
    meter.removeListener(burnRate);
    events.close();
    try {
      server.stop();
    } catch (Exception e) {
      log.warn("stopping the HTTP server failed", e);
    }
  }

  /** Blocks until the server has stopped. */
  public void join() throws InterruptedException {
    server.join();
  }

  /**
   * How many request bodies may be read at once: the threads left after the event streams and a
   * few for reads, so clients trickling bodies cannot take every thread (a body read blocks one).
   */
  private static int bodyReaders(Builder b) {
    return Math.max(2, b.maxThreads - Math.min(b.maxEventStreams, b.maxThreads / 2) - 6);
  }

  /** tokenmeter's metrics, read from the ledger at scrape time, and the JVM's. */
  private static PrometheusRegistry defaultRegistry(TokenMeter meter) {
    PrometheusRegistry registry = new PrometheusRegistry();
    TokenMeterCollector.register(meter, registry);
    JvmMetrics.builder().register(registry);
    return registry;
  }

  /**
   * Checks a bind address: an IP literal or {@code localhost}. Names are not resolved, so
   * start-up never waits on DNS.
   *
   * @throws IllegalArgumentException saying what is allowed
   */
  public static InetAddress bindAddress(String bind) {
    if (bind == null || !(bind.equals("localhost") || bind.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*"))) {
      throw new IllegalArgumentException(
          "bind address must be an IP address (like 127.0.0.1, 0.0.0.0 or ::1) or localhost, got \"" + bind + "\"");
    }
    try {
      return InetAddress.getByName(bind);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bind address \"" + bind + "\" is not a valid IP address", e);
    }
  }

  /** Configuration of a {@link TokenMeterServer}. */
  public static final class Builder {
    private final TokenMeter meter;
    private String bind = DEFAULT_BIND;
    private int port = DEFAULT_PORT;
    private String apiToken;
    private PrometheusRegistry registry;
    private int maxThreads = 32;
    private Duration idleTimeout = Duration.ofSeconds(30);
    private Duration headerTimeout = Duration.ofSeconds(10);
    private Duration bodyTimeout = Duration.ofSeconds(30);
    private int maxRequestHeaderBytes = 8 * 1024;
    private int maxBodyBytes = 4 * 1024 * 1024;
    private Duration stopTimeout = Duration.ofSeconds(5);
    private Duration shutdownIdleTimeout = Duration.ofSeconds(1);
    private int eventBufferSize = 1024;
    private int maxEventStreams = 16;
    private Duration heartbeat = Duration.ofSeconds(15);
    private int alertMemory = 10_000;

    private Builder(TokenMeter meter) {
      this.meter = java.util.Objects.requireNonNull(meter, "meter");
    }

    /** The address to listen on: an IP literal or localhost; default 127.0.0.1. */
    public Builder bind(String address) {
      bindAddress(address);
      this.bind = address;
      return this;
    }

    /** The port; 0 picks a free one. Default 9464. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /** The bearer token POST and PUT need; null: none (only allowed on a loopback address). */
    public Builder apiToken(String token) {
      this.apiToken = token == null || token.isBlank() ? null : token.strip();
      return this;
    }

    /**
     * The registry {@code /metrics} exposes. Default: a new one with tokenmeter's collector and the
     * JVM metrics; a registry given here gets nothing added, so register the collector in it.
     */
    public Builder registry(PrometheusRegistry registry) {
      this.registry = registry;
      return this;
    }

    public Builder maxThreads(int n) {
      if (n < 8) {
        throw new IllegalArgumentException("maxThreads must be at least 8, got " + n);
      }
      this.maxThreads = n;
      return this;
    }

    public Builder idleTimeout(Duration d) {
      this.idleTimeout = d;
      return this;
    }

    /**
     * How long a request header may take to arrive in full; a slower one (slow-loris: a byte now
     * and then, which the idle timeout never catches) has its connection closed. Default 10 s.
     */
    public Builder headerTimeout(Duration d) {
      requirePositive(d, "headerTimeout");
      this.headerTimeout = d;
      return this;
    }

    /**
     * How long a request body may take to arrive in full once the handler reads it; a slower one
     * has its connection closed, which frees the thread reading it. Default 30 s.
     */
    public Builder bodyTimeout(Duration d) {
      requirePositive(d, "bodyTimeout");
      this.bodyTimeout = d;
      return this;
    }

    private static void requirePositive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
    }

    public Builder maxRequestHeaderBytes(int n) {
      this.maxRequestHeaderBytes = n;
      return this;
    }

    /** The largest request body accepted; larger ones get 413. Default 4 MiB. */
    public Builder maxBodyBytes(int n) {
      if (n < 1024) {
        throw new IllegalArgumentException("maxBodyBytes must be at least 1024, got " + n);
      }
      this.maxBodyBytes = n;
      return this;
    }

    /** How long a stop waits for requests in flight; default 5 s. */
    public Builder stopTimeout(Duration d) {
      this.stopTimeout = d;
      return this;
    }

    /**
     * During a stop, how long a connection may sit idle (a keep-alive connection, or a client that
     * stalls mid-body) before it is closed; default 1 s.
     */
    public Builder shutdownIdleTimeout(Duration d) {
      this.shutdownIdleTimeout = d;
      return this;
    }

    /** How many recent events a reconnecting stream client can catch up on; default 1024. */
    public Builder eventBufferSize(int n) {
      this.eventBufferSize = n;
      return this;
    }

    public Builder maxEventStreams(int n) {
      this.maxEventStreams = n;
      return this;
    }

    /** How often an idle event stream sends a comment line; keep it below the idle timeout. */
    public Builder heartbeat(Duration d) {
      this.heartbeat = d;
      return this;
    }

    /** How many handled alerts are remembered, so a re-sent alert does not pause again. */
    public Builder alertMemory(int n) {
      this.alertMemory = n;
      return this;
    }

    /** @throws IllegalStateException for a non-loopback address without an API token */
    public TokenMeterServer build() {
      if (heartbeat.compareTo(idleTimeout) >= 0) {
        throw new IllegalArgumentException("heartbeat " + heartbeat + " must be shorter than the idle timeout " + idleTimeout);
      }
      return new TokenMeterServer(this);
    }
  }
}
