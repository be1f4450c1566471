package dev.tokenmeter.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.RunStatus;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.budget.Breakpoint;
import dev.tokenmeter.budget.HistoryEntry;
import dev.tokenmeter.budget.MeterListener;
import dev.tokenmeter.budget.PauseSource;
import dev.tokenmeter.budget.ResumeRequest;
import dev.tokenmeter.budget.ThresholdCrossing;
import dev.tokenmeter.pricing.DefaultPriceBook;
import dev.tokenmeter.usage.TokenCounts;
import dev.tokenmeter.usage.UsageEvent;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.FutureCallback;

/**
 * A stand-in for the real HTTP server, for looking at the dashboard before the server is merged:
 * the real {@link TokenMeter} behind a few stub endpoints shaped like DESIGN section 6 and 7,
 * plus a simulated orchestration. Not a test of anything; run {@link #main} and open the page.
 */
final class StubApiServer implements MeterListener, AutoCloseable {

  static final String TOKEN = "dashboard-test-token";
  private static final ObjectMapper M = new ObjectMapper();
  private static final Pattern RUN = Pattern.compile("/api/v1/runs/([^/]+)(/pause|/resume|/budget)?");

  final TokenMeter meter;
  private final Server server;
  private final List<String[]> events = new ArrayList<>();
  private final Map<String, ArrayDeque<Object[]>> burn = new ConcurrentHashMap<>();
  private volatile boolean running = true;

  StubApiServer(int port) throws Exception {
    meter = TokenMeter.builder().priceBook(DefaultPriceBook.load()).listener(this).build();
    server = new Server();
    ServerConnector c = new ServerConnector(server);
    c.setHost("127.0.0.1");
    c.setPort(port);
    server.addConnector(c);
    Handler api = new Handler.Abstract() {
      @Override
      public boolean handle(Request req, Response res, Callback cb) throws Exception {
        return api(req, res, cb);
      }
    };
    server.setHandler(new Handler.Sequence(api, new DashboardHandler()));
    server.start();
  }

  int port() {
    return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
  }

  private boolean api(Request req, Response res, Callback cb) throws Exception {
    String path = Request.getPathInContext(req);
    String method = req.getMethod();
    if (path.equals("/api/v1/events")) {
      sse(req, res, cb);
      return true;
    }
    if (path.equals("/api/v1/usage") && method.equals("POST")) {
      if (!("Bearer " + TOKEN).equals(req.getHeaders().get("Authorization"))) {
        return send(res, cb, 401, error("missing or wrong bearer token"));
      }
      JsonNode b = M.readTree(Content.Source.asString(req, StandardCharsets.UTF_8));
      for (JsonNode e : b.isArray() ? b : M.createArrayNode().add(b)) {
        meter.record(UsageEvent.builder().run(e.get("run").asText()).session(e.path("session").asText(null))
            .subagent(e.path("subagent").asText(null)).model(e.get("model").asText())
            .inputTokens(e.path("inputTokens").asLong()).outputTokens(e.path("outputTokens").asLong())
            .cacheReadTokens(e.path("cacheReadTokens").asLong()).cacheWrite5mTokens(e.path("cacheWrite5mTokens").asLong())
            .cacheWrite1hTokens(e.path("cacheWrite1hTokens").asLong()).timestamp(Instant.now()).build());
      }
      return send(res, cb, 200, M.createObjectNode().put("counted", b.size()));
    }
    if (path.equals("/api/v1/runs")) {
      ArrayNode a = M.createArrayNode();
      meter.runs().forEach(s -> a.add(json(s)));
      ObjectNode o = M.createObjectNode();
      o.set("runs", a);
      return send(res, cb, 200, o);
    }
    Matcher m = RUN.matcher(path);
    if (!m.matches()) {
      return false;
    }
    String run = java.net.URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
    if (m.group(2) == null) {
      return meter.status(run).map(s -> send(res, cb, 200, json(s)))
          .orElseGet(() -> send(res, cb, 404, error("no run " + run)));
    }
    String auth = req.getHeaders().get("Authorization");
    if (!("Bearer " + TOKEN).equals(auth)) {
      return send(res, cb, 401, error("missing or wrong bearer token"));
    }
    String text = Content.Source.asString(req, StandardCharsets.UTF_8);
    JsonNode body = text.isBlank() ? M.createObjectNode() : M.readTree(text);
    try {
      switch (m.group(2) + " " + method) {
        case "/pause POST" -> meter.pause(run, PauseSource.MANUAL, body.path("reason").asText("paused from the dashboard"), body.path("by").asText(null));
        case "/resume POST" -> {
          ResumeRequest.Builder b = ResumeRequest.builder().by(body.path("by").asText(null)).reason(body.path("reason").asText(null));
          if (body.has("raiseUsd")) b.raiseUsd(new BigDecimal(body.get("raiseUsd").asText()));
          if (body.has("budgetUsd")) b.budgetUsd(new BigDecimal(body.get("budgetUsd").asText()));
          if (body.path("override").asBoolean()) b.override(true);
          meter.resume(run, b.build());
        }
        case "/budget PUT" -> meter.setRunBudget(run, new BigDecimal(body.get("budgetUsd").asText()), body.path("by").asText(null));
        default -> {
          return send(res, cb, 405, error(method + " not allowed"));
        }
      }
    } catch (RuntimeException e) {
      return send(res, cb, 409, error(e.getMessage()));
    }
    return send(res, cb, 200, json(meter.status(run).orElseThrow()));
  }

  private static ObjectNode error(String message) {
    ObjectNode o = M.createObjectNode();
    o.put("error", message);
    return o;
  }

  private static boolean send(Response res, Callback cb, int status, JsonNode body) {
    res.setStatus(status);
    res.getHeaders().put("Content-Type", "application/json");
    Content.Sink.write(res, true, body.toString(), cb);
    return true;
  }

  private void sse(Request req, Response res, Callback cb) throws Exception {
    res.getHeaders().put("Content-Type", "text/event-stream");
    res.getHeaders().put("Cache-Control", "no-store");
    int next;
    String last = req.getHeaders().get("Last-Event-ID");
    if (last == null) {
      last = Request.extractQueryParameters(req).getValue("lastEventId");
    }
    synchronized (events) {
      next = last == null ? events.size() : Integer.parseInt(last);
    }
    try {
      write(res, ": hello\n\n");
      while (running) {
        List<String[]> batch;
        synchronized (events) {
          if (events.size() <= next) {
            events.wait(10_000);
          }
          batch = new ArrayList<>(events.subList(Math.min(next, events.size()), events.size()));
        }
        StringBuilder sb = new StringBuilder();
        for (String[] e : batch) {
          next++;
          sb.append("id: ").append(next).append("\nevent: ").append(e[0]).append("\ndata: ").append(e[1]).append("\n\n");
        }
        write(res, sb.length() == 0 ? ": keepalive\n\n" : sb.toString());
      }
      cb.succeeded();
    } catch (Exception e) {
      cb.failed(e);
    }
  }

  private static void write(Response res, String s) throws Exception {
    FutureCallback f = new FutureCallback();
    Content.Sink.write(res, false, s, f);
    f.get();
  }

  private void emit(String type, ObjectNode data) {
    synchronized (events) {
      events.add(new String[] {type, data.toString()});
      events.notifyAll();
    }
  }

  // ------------------------------------------------------------ listener: the events stream

  @Override
  public void onUsage(UsageEvent e, BigDecimal cost) {
    if (cost != null) {
      ArrayDeque<Object[]> q = burn.computeIfAbsent(e.run(), r -> new ArrayDeque<>());
      synchronized (q) {
        q.add(new Object[] {System.currentTimeMillis(), cost});
      }
    }
    ObjectNode o = M.createObjectNode();
    o.put("run", e.run());
    o.put("session", e.session());
    o.put("subagent", e.subagent());
    o.put("model", e.model());
    o.set("tokens", tokens(e.tokens()));
    o.put("costUsd", money(cost));
    o.put("timestamp", String.valueOf(e.timestamp()));
    emit("usage", o);
  }

  @Override
  public void onThreshold(ThresholdCrossing c) {
    ObjectNode o = M.createObjectNode();
    o.put("run", c.run());
    o.put("session", c.session());
    o.put("scope", c.scope().label());
    o.put("scopeKey", c.scopeKey());
    o.put("fraction", c.threshold().fraction().toPlainString());
    o.put("action", c.threshold().action().label());
    o.put("costUsd", money(c.costUsd()));
    o.put("budgetUsd", money(c.budgetUsd()));
    o.put("at", String.valueOf(c.at()));
    emit("threshold", o);
  }

  @Override
  public void onPause(String run, String session, Breakpoint bp) {
    ObjectNode o = M.createObjectNode();
    o.put("run", run);
    o.set("breakpoint", breakpoint(bp));
    emit("pause", o);
  }

  @Override
  public void onResume(String run, String session, HistoryEntry h) {
    ObjectNode o = M.createObjectNode();
    o.put("run", run);
    o.put("at", String.valueOf(h.at()));
    emit("resume", o);
  }

  // ------------------------------------------------------------ the run JSON (DESIGN section 7)

  private ObjectNode json(RunStatus s) {
    ObjectNode o = M.createObjectNode();
    o.put("run", s.run());
    o.put("session", s.session());
    o.put("state", s.state());
    o.put("costUsd", money(s.costUsd()));
    o.put("budgetUsd", money(s.budgetUsd()));
    o.set("tokens", tokens(s.tokens()));
    o.set("bySubagent", breakdown(s.bySubagent()));
    o.set("byModel", breakdown(s.byModel()));
    o.set("breakpoint", breakpoint(s.breakpoint()));
    o.put("costComplete", s.costComplete());
    ArrayNode unpriced = o.putArray("unpricedModels");
    s.unpricedModels().forEach(unpriced::add);
    o.put("requests", s.requests());
    o.put("reservedUsd", money(s.reservedUsd()));
    o.put("burnRateUsdPerMinute", money(burnRate(s.run())));
    ArrayNode series = o.putArray("series");
    for (RunStatus.SeriesStatus ss : s.series()) {
      ObjectNode e = series.addObject();
      e.put("subagent", ss.subagent());
      e.put("model", ss.model());
      e.set("tokens", tokens(ss.tokens()));
      e.put("requests", ss.requests());
      e.put("costUsd", money(ss.costUsd()));
    }
    ArrayNode history = o.putArray("history");
    for (HistoryEntry h : s.history()) {
      ObjectNode e = history.addObject();
      e.put("at", String.valueOf(h.at()));
      e.put("action", h.action().name().toLowerCase(java.util.Locale.ROOT));
      e.put("source", h.source());
      e.put("by", h.by());
      e.put("reason", h.reason());
      e.put("costUsd", money(h.costUsd()));
      e.put("budgetUsd", money(h.budgetUsd()));
    }
    o.put("createdAt", s.createdAt() == null ? null : s.createdAt().toString());
    o.put("lastUsageAt", s.lastUsageAt() == null ? null : s.lastUsageAt().toString());
    o.put("endedAt", s.endedAt() == null ? null : s.endedAt().toString());
    return o;
  }

  private BigDecimal burnRate(String run) {
    ArrayDeque<Object[]> q = burn.get(run);
    if (q == null) {
      return BigDecimal.ZERO;
    }
    long now = System.currentTimeMillis();
    BigDecimal sum = BigDecimal.ZERO;
    synchronized (q) {
      q.removeIf(e -> now - (long) e[0] > 60_000);
      for (Object[] e : q) {
        sum = sum.add((BigDecimal) e[1]);
      }
    }
    return sum;
  }

  private static ObjectNode tokens(TokenCounts t) {
    ObjectNode o = M.createObjectNode();
    t.toLabelMap().forEach(o::put);
    return o;
  }

  private static ObjectNode breakdown(Map<String, RunStatus.Breakdown> m) {
    ObjectNode o = M.createObjectNode();
    m.forEach((k, b) -> {
      ObjectNode e = o.putObject(k);
      e.put("costUsd", money(b.costUsd()));
      e.put("requests", b.requests());
      e.set("tokens", tokens(b.tokens()));
    });
    return o;
  }

  private static ObjectNode breakpoint(Breakpoint bp) {
    if (bp == null) {
      return null;
    }
    ObjectNode o = M.createObjectNode();
    o.put("reason", bp.reason());
    o.put("source", bp.source().label());
    o.put("since", String.valueOf(bp.since()));
    o.put("by", bp.by());
    o.put("costUsd", money(bp.costUsd()));
    o.put("budgetUsd", money(bp.budgetUsd()));
    return o;
  }

  private static String money(BigDecimal v) {
    return v == null ? null : v.stripTrailingZeros().toPlainString();
  }

  // ------------------------------------------------------------ a simulated orchestration

  /** Records a call for (run, subagent, model) with some plausible token counts. */
  void call(String run, String session, String subagent, String model, Random rnd) {
    meter.record(UsageEvent.builder().run(run).session(session).subagent(subagent).model(model)
        .inputTokens(800 + rnd.nextInt(4000)).outputTokens(300 + rnd.nextInt(2500))
        .cacheReadTokens(rnd.nextInt(30_000)).cacheWrite5mTokens(rnd.nextInt(6000))
        .cacheWrite1hTokens(rnd.nextInt(3) == 0 ? rnd.nextInt(4000) : 0)
        .timestamp(Instant.now()).build());
  }

  /** A few runs in every state, and one that keeps spending until its budget pauses it. */
  void demo(long tickMillis) {
    Random rnd = new Random(7);
    String[] agents = {"planner", "coder", "reviewer", "general-purpose"};
    String[] models = {"claude-sonnet-4-5-20250929", "claude-haiku-4-5", "claude-opus-4-1"};
    meter.setRunBudget("refactor-auth-0419", new BigDecimal("20.00"), "ci");
    meter.setRunBudget("nightly-evals-1127", new BigDecimal("3.00"), "ci");
    meter.setRunBudget("docs-sweep-0902", new BigDecimal("8"), "ci");
    for (int i = 0; i < 14; i++) {
      call("docs-sweep-0902", "nightly", agents[i % 4], models[1], rnd);
      call("nightly-evals-1127", "nightly", agents[i % 2], i % 5 == 0 ? "acme-large-2" : models[i % 3], rnd);
    }
    meter.endRun("docs-sweep-0902");
    meter.setRunBudget("demo-7f3a", new BigDecimal("2.50"), "ci");
    Thread t = new Thread(() -> {
      int i = 0;
      while (running) {
        try {
          Thread.sleep(tickMillis);
        } catch (InterruptedException e) {
          return;
        }
        if (!meter.gate("demo-7f3a").isPaused()) {
          call("demo-7f3a", "session-42", agents[i % 4], models[i % 3], rnd);
        }
        if (i % 3 == 0) {
          call("refactor-auth-0419", "session-42", agents[(i / 3) % 3], models[0], rnd);
        }
        i++;
      }
    }, "stub-demo");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws Exception {
    running = false;
    synchronized (events) {
      events.notifyAll();
    }
    server.stop();
    meter.close();
  }

  public static void main(String[] args) throws Exception {
    StubApiServer s = new StubApiServer(args.length > 0 ? Integer.parseInt(args[0]) : 8765);
    s.demo(args.length > 1 ? Long.parseLong(args[1]) : 700);
    System.out.println("dashboard stub on http://127.0.0.1:" + s.port() + "/ (token " + TOKEN + ")");
    Thread.currentThread().join();
  }
}
