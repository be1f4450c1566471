import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load generator for a running {@code tokenmeter serve}, on loopback only. JDK only, run without a
 * build: {@code java bench/LoadGen.java ingest|webhook --url http://127.0.0.1:PORT --token-file F ...}.
 *
 * <ul>
 *   <li>{@code ingest}: closed loop, N connections each posting NDJSON batches to
 *       {@code /api/v1/usage} as fast as answers come; checks every answer and, at the end, that
 *       {@code GET /api/v1/runs} holds exactly the tokens and requests sent, run by run.
 *   <li>{@code webhook}: open loop at a fixed rate to {@code /api/v1/alerts}, with real
 *       Alertmanager v4 payloads; each latency is measured from the request's intended send time
 *       (its slot on the wall-clock schedule), so a slow answer cannot hide later ones
 *       (no coordinated omission).
 *   <li>{@code soak}: for {@code --minutes}, all at once: paced NDJSON ingest over a steady set of
 *       runs, open-loop webhook alerts (pauses of a bounded pool of runs, each resumed through the
 *       API), run status and {@code /metrics} scrapes, and event-stream clients that connect, read
 *       a while and drop. Every 10 s it prints latency percentiles per kind, the server's heap
 *       after GC (from its GC log) and heap and threads (from {@code /metrics}); at the end it
 *       checks exact totals and zero error answers, and that heap after GC and threads did not
 *       grow in the second half beyond a tolerance.
 * </ul>
 *
 * Prints {@code RESULT key=value} lines for the script. Exit 0: all checks passed and the target
 * was met; 1: a target was missed; 2: a correctness check failed or the run broke.
 */
public final class LoadGen {

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !(args[0].equals("ingest") || args[0].equals("webhook") || args[0].equals("soak"))) {
      System.err.println("usage: java bench/LoadGen.java ingest|webhook|soak --url http://127.0.0.1:PORT --token-file FILE [options]");
      System.exit(2);
    }
    Map<String, String> opt = options(args);
    URI base = URI.create(opt.getOrDefault("url", "http://127.0.0.1:9464").replaceAll("/*$", "/"));
    if (!base.getHost().equals("127.0.0.1")) {
      throw new IllegalArgumentException("loopback only: --url must be http://127.0.0.1:PORT");
    }
    String token = opt.containsKey("token-file") ? Files.readString(Path.of(opt.get("token-file"))).strip() : null;
    int rc = args[0].equals("ingest") ? new Ingest(base, token, opt).run()
        : args[0].equals("soak") ? new Soak(base, token, opt).run()
        : new Webhook(base, token, opt).run();
    System.exit(rc);
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value, got " + args[i]);
      }
      m.put(args[i].substring(2), args[++i]);
    }
    return m;
  }

  static HttpClient client() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  static HttpRequest.Builder post(URI uri, String token, String contentType, byte[] body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  static long field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  static String fmt(double d) {
    return String.format(Locale.ROOT, "%.3f", d);
  }

  // =============================================================================== ingest

  /** Closed-loop NDJSON ingest with exact accounting. */
  static final class Ingest {
    static final String[] SUBAGENTS = {"planner", "coder", "reviewer", "tester", "researcher"};
    static final String[] MODELS = {"claude-opus-4-7", "claude-sonnet-4-6", "claude-haiku-4-5"};
    static final int DUPS_WITHIN = 5; // copies of keyed lines of the same request, per request
    static final int DUPS_ACROSS = 5; // copies of keyed lines of the worker's previous request

    final URI uri;
    final URI runsUri;
    final String token;
    final long events;
    final long warmup;
    final int batch;
    final int connections;
    final int runs;
    final double target;
    final HttpClient http = client();
    final String[] stamps = new String[1000];
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    /** expected[run] = 5 token types, then requests; merged from the workers at the end. */
    final long[][] expected;
    long sentLines;
    long expectedDuplicates;
    long counted;
    long duplicates;
    long bytes;

    Ingest(URI base, String token, Map<String, String> o) {
      this.uri = base.resolve("api/v1/usage");
      this.runsUri = base.resolve("api/v1/runs");
      this.token = token;
      this.events = Long.parseLong(o.getOrDefault("events", "2000000"));
      this.warmup = Long.parseLong(o.getOrDefault("warmup-events", "200000"));
      this.batch = Integer.parseInt(o.getOrDefault("batch", "1000"));
      this.connections = Integer.parseInt(o.getOrDefault("connections", "4"));
      this.runs = Integer.parseInt(o.getOrDefault("runs", "300"));
      this.target = Double.parseDouble(o.getOrDefault("target-eps", "50000"));
      this.expected = new long[runs][6];
      if (batch <= DUPS_WITHIN + DUPS_ACROSS + 10) {
        throw new IllegalArgumentException("--batch must be more than " + (DUPS_WITHIN + DUPS_ACROSS + 10));
      }
      Instant t0 = Instant.parse("2026-07-24T12:00:00Z");
      for (int i = 0; i < stamps.length; i++) {
        stamps[i] = t0.plusMillis(i * 1237L).toString();
      }
    }

    int run() throws Exception {
      System.out.printf(Locale.ROOT, "ingest: %d events (+%d warm-up) in NDJSON batches of %d over %d connections, %d runs%n",
          events, warmup, batch, connections, runs);
      phase(warmup, 0);
      long t0 = System.nanoTime();
      long counted0 = counted;
      long lines0 = sentLines;
      long bytes0 = bytes;
      phase(events, 1);
      double secs = (System.nanoTime() - t0) / 1e9;
      long acc = counted - counted0;
      double eps = acc / secs;
      System.out.printf(Locale.ROOT, "ingest: %d lines posted, %d counted, %d duplicates in %s s: %.0f events/s counted, %.0f lines/s, %.1f MB/s%n",
          sentLines - lines0, acc, duplicates, fmt(secs), eps, (sentLines - lines0) / secs, (bytes - bytes0) / secs / 1e6);
      boolean ok = failures.isEmpty() && verify();
      failures.stream().limit(10).forEach(f -> System.out.println("ingest: FAILED " + f));
      System.out.println("RESULT ingest_events=" + acc);
      System.out.println("RESULT ingest_lines=" + (sentLines - lines0));
      System.out.println("RESULT ingest_seconds=" + fmt(secs));
      System.out.println("RESULT ingest_events_per_s=" + Math.round(eps));
      System.out.println("RESULT ingest_exact=" + ok);
      if (!ok) {
        return 2;
      }
      boolean met = eps >= target;
      System.out.println("RESULT ingest_target_met=" + met);
      return met ? 0 : 1;
    }

    /** Posts {@code total} events (rounded up to whole batches) with the workers. */
    void phase(long total, int phase) throws InterruptedException {
      long requests = (total + batch - 1) / batch;
      AtomicLong next = new AtomicLong();
      List<Thread> threads = new ArrayList<>();
      List<Worker> workers = new ArrayList<>();
      for (int w = 0; w < connections; w++) {
        Worker worker = new Worker(phase * 1000 + w, next, requests);
        workers.add(worker);
        Thread t = new Thread(worker, "ingest-" + w);
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        t.join();
      }
      for (Worker w : workers) {
        for (int r = 0; r < runs; r++) {
          for (int k = 0; k < 6; k++) {
            expected[r][k] += w.expected[r][k];
          }
        }
        sentLines += w.lines;
        expectedDuplicates += w.dups;
        counted += w.counted;
        duplicates += w.duplicates;
        bytes += w.bytes;
      }
    }

    final class Worker implements Runnable {
      final int id;
      final AtomicLong next;
      final long requests;
      final SplittableRandom rnd;
      final long[][] expected = new long[runs][6];
      List<String> keyedPrev = List.of();
      long lines;
      long dups;
      long counted;
      long duplicates;
      long bytes;

      Worker(int id, AtomicLong next, long requests) {
        this.id = id;
        this.next = next;
        this.requests = requests;
        this.rnd = new SplittableRandom(0x5eed + id);
      }

      @Override
      public void run() {
        for (long r; (r = next.getAndIncrement()) < requests; ) {
          try {
            send(r);
          } catch (Exception e) {
            failures.add("request " + r + ": " + e);
            if (failures.size() > 100) {
              return;
            }
          }
        }
      }

      void send(long r) throws IOException, InterruptedException {
        StringBuilder sb = new StringBuilder(batch * 300);
        List<String> keyedThis = new ArrayList<>();
        long[][] delta = new long[runs][6];
        int dupsHere = 0;
        for (int j = 0; j < batch; j++) {
          String line;
          if (j >= batch - DUPS_WITHIN - DUPS_ACROSS && !keyedThis.isEmpty()) {
            List<String> from = j < batch - DUPS_ACROSS || keyedPrev.isEmpty() ? keyedThis : keyedPrev;
            line = from.get(rnd.nextInt(from.size()));
            dupsHere++;
          } else {
            line = event(r, j, delta, keyedThis);
          }
          sb.append(line).append('\n');
        }
        byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> resp =
            http.send(post(uri, token, "application/x-ndjson", body).build(), HttpResponse.BodyHandlers.ofString());
        long c = field(resp.body(), "counted");
        long d = field(resp.body(), "duplicates");
        if (resp.statusCode() != 200 || c != batch - dupsHere || d != dupsHere) {
          failures.add("request " + r + ": HTTP " + resp.statusCode() + " " + abbreviate(resp.body())
              + " (expected counted " + (batch - dupsHere) + ", duplicates " + dupsHere + ")");
          return; // not added to the expectation: the final check then shows the difference
        }
        for (int i = 0; i < runs; i++) {
          for (int k = 0; k < 6; k++) {
            expected[i][k] += delta[i][k];
          }
        }
        lines += batch;
        dups += dupsHere;
        counted += c;
        duplicates += d;
        bytes += body.length;
        keyedPrev = keyedThis;
      }

      /** One fresh event; its tokens go into delta; keyed lines are remembered for re-sends. */
      String event(long r, int j, long[][] delta, List<String> keyed) {
        int run = rnd.nextInt(runs);
        String sub = SUBAGENTS[rnd.nextInt(3 + run % 3)];
        String model = MODELS[rnd.nextInt(MODELS.length)];
        long in = 200 + rnd.nextInt(20_000);
        long out = 50 + rnd.nextInt(4_000);
        long cr = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(80_000);
        long cw5 = rnd.nextInt(3) == 0 ? rnd.nextInt(5_000) : 0;
        long cw1 = rnd.nextInt(10) == 0 ? rnd.nextInt(2_000) : 0;
        boolean key = rnd.nextInt(4) == 0;
        StringBuilder sb = new StringBuilder(300);
        sb.append("{\"run\":\"load-r").append(run).append("\",\"session\":\"load-s").append(run % 40)
            .append("\",\"subagent\":\"").append(sub).append("\",\"model\":\"").append(model)
            .append("\",\"provider\":\"anthropic\",\"inputTokens\":").append(in)
            .append(",\"outputTokens\":").append(out).append(",\"cacheReadTokens\":").append(cr)
            .append(",\"cacheWrite5mTokens\":").append(cw5).append(",\"cacheWrite1hTokens\":").append(cw1)
            .append(",\"timestamp\":\"").append(stamps[(int) ((r * batch + j) % stamps.length)]).append('"');
        if (key) {
          sb.append(",\"idempotencyKey\":\"load-").append(id).append('-').append(r).append('-').append(j).append('"');
        }
        String line = sb.append('}').toString();
        if (key) {
          keyed.add(line);
        }
        long[] e = delta[run];
        e[0] += in;
        e[1] += out;
        e[2] += cr;
        e[3] += cw5;
        e[4] += cw1;
        e[5] += 1;
        return line;
      }
    }

    /** The server's run JSON must hold exactly what was counted, run by run and type by type. */
    boolean verify() throws IOException, InterruptedException {
      HttpResponse<String> resp =
          http.send(HttpRequest.newBuilder(runsUri).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
      if (resp.statusCode() != 200) {
        System.out.println("ingest: GET /api/v1/runs answered " + resp.statusCode());
        return false;
      }
      Map<String, Object> root = MiniJson.object(resp.body());
      String[] types = null;
      long[] serverTotal = new long[6];
      long[] sentTotal = new long[6];
      int mismatches = 0;
      int seen = 0;
      for (Object o : (List<?>) root.get("runs")) {
        Map<?, ?> run = (Map<?, ?>) o;
        String name = (String) run.get("run");
        if (!name.startsWith("load-r")) {
          continue;
        }
        seen++;
        int i = Integer.parseInt(name.substring("load-r".length()));
        Map<?, ?> tokens = (Map<?, ?>) run.get("tokens");
        if (types == null) {
          types = tokens.keySet().toArray(new String[0]);
        }
        long[] got = new long[6];
        for (int k = 0; k < 5; k++) {
          got[k] = ((BigDecimal) tokens.get(types[k])).longValueExact();
        }
        got[5] = ((BigDecimal) run.get("requests")).longValueExact();
        for (int k = 0; k < 6; k++) {
          serverTotal[k] += got[k];
          sentTotal[k] += expected[i][k];
        }
        if (!Arrays.equals(got, expected[i])) {
          mismatches++;
          if (mismatches <= 5) {
            System.out.println("ingest: run " + name + " holds " + Arrays.toString(got) + ", sent " + Arrays.toString(expected[i]));
          }
        }
      }
      long runsSent = Arrays.stream(expected).filter(e -> e[5] > 0).count();
      System.out.println("ingest: check GET /api/v1/runs: " + seen + " runs (sent to " + runsSent + "); token types " + Arrays.toString(types));
      System.out.println("ingest:   server totals " + Arrays.toString(serverTotal) + " (5 token types, requests)");
      System.out.println("ingest:   sent totals   " + Arrays.toString(sentTotal) + "; duplicates expected " + expectedDuplicates + ", answered " + duplicates);
      boolean ok = mismatches == 0 && seen == runsSent && Arrays.equals(serverTotal, sentTotal) && duplicates == expectedDuplicates;
      System.out.println("ingest:   " + (ok ? "exact: no loss, no double count" : "MISMATCH in " + mismatches + " runs"));
      return ok;
    }
  }

  // =============================================================================== webhook

  /** Open-loop Alertmanager webhook traffic at a fixed rate. */
  static final class Webhook {
    /**
     * One slot per request, repeating: N notify (firing, no action), P pause of a new run, R the
     * last pause re-sent (same fingerprint and startsAt), G a group pausing two new runs, X the
     * last group resolved. Default per 20 requests: 7 N, 1 P, 8 R, 1 G, 3 X ({@code --cycle}
     * changes it; it must have a P before its first R and a G before its first X).
     */
    static final String DEFAULT_CYCLE = "NPRRNGRNRXNRRNXRNRXN";

    final String CYCLE;

    final URI uri;
    final URI runsUri;
    final String token;
    final int rate;
    final int seconds;
    final int warmupSeconds;
    final double targetP99Ms;
    final Path payloads;
    final HttpClient http = client();

    Webhook(URI base, String token, Map<String, String> o) {
      this.uri = base.resolve("api/v1/alerts");
      this.runsUri = base.resolve("api/v1/runs");
      this.token = token;
      this.rate = Integer.parseInt(o.getOrDefault("rate", "500"));
      this.seconds = Integer.parseInt(o.getOrDefault("seconds", "60"));
      this.warmupSeconds = Integer.parseInt(o.getOrDefault("warmup-seconds", "10"));
      this.targetP99Ms = Double.parseDouble(o.getOrDefault("target-p99-ms", "5"));
      this.payloads = Path.of(o.getOrDefault("payloads", "/work/shared/data/alertmanager-webhook"));
      this.CYCLE = o.getOrDefault("cycle", DEFAULT_CYCLE);
      if (!CYCLE.matches("[NPRGX]+") || before(CYCLE, 'R', 'P') || before(CYCLE, 'X', 'G')) {
        throw new IllegalArgumentException("--cycle: letters N P R G X, with a P before the first R and a G before the first X");
      }
    }

    /** True when {@code later} occurs in the cycle without {@code first} before it. */
    static boolean before(String cycle, char later, char first) {
      int l = cycle.indexOf(later);
      int f = cycle.indexOf(first);
      return l >= 0 && (f < 0 || l < f);
    }

    /** A captured payload with its run names, sessions, fingerprints and times made into holes. */
    static final class Template {
      final String text;

      Template(String raw) {
        this.text = raw.replace("run-a", "{RUN_A}").replace("run-c", "{RUN_C}")
            .replace("\"session\":\"s1\"", "\"session\":\"{SES_A}\"").replace("\"session\":\"s2\"", "\"session\":\"{SES_C}\"")
            .replace("8e7eae8ab6fdb0cb", "{FP_A}").replace("045f0573e6116aa6", "{FP_A}").replace("d25225ae7834768b", "{FP_C}")
            .replaceAll("\"startsAt\":\"[^\"]+\"", "\"startsAt\":\"{START}\"");
      }

      byte[] fill(String runA, String runC, String fpA, String fpC, String start) {
        return text.replace("{RUN_A}", runA).replace("{RUN_C}", runC).replace("{SES_A}", "wh-s" + (Math.abs(runA.hashCode()) % 50))
            .replace("{SES_C}", "wh-s" + (Math.abs(runC.hashCode()) % 50)).replace("{FP_A}", fpA).replace("{FP_C}", fpC)
            .replace("{START}", start).getBytes(StandardCharsets.UTF_8);
      }
    }

    int run() throws Exception {
      Template notify = load("01-firing-nearly-exhausted.json");
      Template pause = load("02-firing-budget-exceeded.json");
      Template repeat = load("03-firing-budget-exceeded-repeat.json");
      Template group = load("04-firing-grouped-two-runs.json");
      Template resolved = load("05-resolved-grouped-two-runs.json");
      int warm = rate * warmupSeconds;
      int total = warm + rate * seconds;
      // Build every body first, so the send loop does nothing but wait for the clock and send.
      byte[][] bodies = new byte[total][];
      int expectPaused = 0;
      int expectDuplicates = 0;
      int expectNotifications = 0;
      int newRuns = 0;
      String lastRun = null;
      String lastFp = null;
      String lastStart = null;
      String[] lastGroup = null;
      Instant t0 = Instant.parse("2026-12-04T15:35:00.716Z");
      for (int i = 0; i < total; i++) {
        String start = t0.plusMillis(i).toString();
        switch (CYCLE.charAt(i % CYCLE.length())) {
          case 'N':
            bodies[i] = notify.fill("wh-n" + (i % 997), "", fp(i, 0), "", start);
            expectNotifications++;
            break;
          case 'P':
            lastRun = "wh-p" + i;
            lastFp = fp(i, 1);
            lastStart = start;
            bodies[i] = pause.fill(lastRun, "", lastFp, "", start);
            expectPaused++;
            newRuns++;
            break;
          case 'R':
            bodies[i] = repeat.fill(lastRun, "", lastFp, "", lastStart);
            expectDuplicates++;
            break;
          case 'G':
            lastGroup = new String[] {"wh-g" + i + "a", "wh-g" + i + "c", fp(i, 2), fp(i, 3), start};
            bodies[i] = group.fill(lastGroup[0], lastGroup[1], lastGroup[2], lastGroup[3], start);
            expectPaused += 2;
            newRuns += 2;
            break;
          default:
            bodies[i] = resolved.fill(lastGroup[0], lastGroup[1], lastGroup[2], lastGroup[3], lastGroup[4]);
            expectNotifications += 2;
        }
      }
      System.out.printf(Locale.ROOT, "webhook: open loop at %d requests/s for %d s (+%d s warm-up): %d requests, cycle %s%n",
          rate, seconds, warmupSeconds, total, CYCLE);

      long period = 1_000_000_000L / rate;
      long[] latency = new long[total];
      long[] sendLag = new long[total];
      Arrays.fill(latency, -1);
      AtomicInteger errors = new AtomicInteger();
      AtomicInteger notSent = new AtomicInteger();
      AtomicInteger inFlight = new AtomicInteger();
      AtomicLong paused = new AtomicLong();
      AtomicLong duplicates = new AtomicLong();
      AtomicLong notifications = new AtomicLong();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      CountDownLatch done = new CountDownLatch(total);
      int maxInFlight = 0;
      long start = System.nanoTime() + 50_000_000L;
      for (int i = 0; i < total; i++) {
        long intended = start + i * period;
        for (long d; (d = intended - System.nanoTime()) > 0; ) {
          LockSupport.parkNanos(d);
        }
        sendLag[i] = System.nanoTime() - intended;
        if (inFlight.get() >= 1000) { // a bound, not a throttle: a request not sent misses the target
          notSent.incrementAndGet();
          done.countDown();
          continue;
        }
        maxInFlight = Math.max(maxInFlight, inFlight.incrementAndGet());
        final int n = i;
        http.sendAsync(post(uri, token, "application/json", bodies[i]).build(), HttpResponse.BodyHandlers.ofString())
            .whenComplete((resp, ex) -> {
              latency[n] = System.nanoTime() - intended;
              inFlight.decrementAndGet();
              if (ex != null || resp.statusCode() != 200) {
                errors.incrementAndGet();
                failures.add("request " + n + ": " + (ex != null ? ex.toString() : "HTTP " + resp.statusCode() + " " + abbreviate(resp.body())));
              } else {
                paused.addAndGet(field(resp.body(), "paused"));
                duplicates.addAndGet(field(resp.body(), "duplicates"));
                notifications.addAndGet(field(resp.body(), "notifications"));
              }
              done.countDown();
            });
      }
      double offered = total / ((System.nanoTime() - start) / 1e9);
      if (!done.await(60, TimeUnit.SECONDS)) {
        failures.add(done.getCount() + " requests unanswered 60 s after the last was sent");
      }
      long[] measured = Arrays.copyOfRange(latency, warm, total);
      long unanswered = Arrays.stream(measured).filter(l -> l < 0).count() - notSent.get();
      long[] lat = Arrays.stream(measured).filter(l -> l >= 0).sorted().toArray();
      long[] lag = Arrays.stream(sendLag, warm, total).sorted().toArray();
      System.out.printf(Locale.ROOT, "webhook: offered %.1f requests/s overall; generator send lag p99 %s ms, max %s ms; max in flight %d%n",
          offered, ms(pct(lag, 0.99)), ms(lag[lag.length - 1]), maxInFlight);
      System.out.println("webhook: latency from the intended send time, ms, over " + lat.length + " requests (warm-up excluded):");
      String[] names = {"p50", "p90", "p99", "p99.9", "max"};
      double[] qs = {0.50, 0.90, 0.99, 0.999, 1.0};
      StringBuilder row = new StringBuilder("webhook:  ");
      for (int k = 0; k < names.length; k++) {
        row.append(' ').append(names[k]).append(' ').append(ms(pct(lat, qs[k])));
        System.out.println("RESULT webhook_" + names[k].replace(".", "_") + "_ms=" + ms(pct(lat, qs[k])));
      }
      System.out.println(row);
      // The same, by kind of request: a new pause writes and syncs the run's state file.
      String[] kinds = {"N notify", "P new pause", "R re-sent pause", "G group, 2 new pauses", "X group resolved"};
      for (String kind : kinds) {
        long[] k = java.util.stream.IntStream.range(warm, total)
            .filter(i -> CYCLE.charAt(i % CYCLE.length()) == kind.charAt(0) && latency[i] >= 0)
            .mapToLong(i -> latency[i]).sorted().toArray();
        System.out.printf(Locale.ROOT, "webhook:   %-24s n %6d  p50 %s  p90 %s  p99 %s  max %s%n", kind, k.length,
            ms(pct(k, 0.5)), ms(pct(k, 0.9)), ms(pct(k, 0.99)), ms(pct(k, 1.0)));
      }
      System.out.printf(Locale.ROOT, "webhook: answers: paused %d (expected %d), duplicates %d (expected %d), notifications %d (expected %d); errors %d, not sent %d%n",
          paused.get(), expectPaused, duplicates.get(), expectDuplicates, notifications.get(), expectNotifications, errors.get(), notSent.get());
      failures.stream().limit(10).forEach(f -> System.out.println("webhook: FAILED " + f));
      System.out.println("RESULT webhook_requests=" + lat.length);
      System.out.println("RESULT webhook_offered_per_s=" + fmt(offered));
      System.out.println("RESULT webhook_not_sent=" + notSent.get());
      if (notSent.get() > 0) {
        // The server fell so far behind that the generator's bound on requests in flight was hit:
        // the target is missed, and the answer counts cannot be compared with the plan.
        System.out.println("webhook: " + notSent.get() + " requests not sent (1000 already in flight): target missed; answer counts not checked");
        boolean ok = failures.isEmpty() && unanswered == 0;
        System.out.println("RESULT webhook_correct=" + (ok ? "unchecked" : "false"));
        System.out.println("RESULT webhook_target_met=false");
        return ok ? 1 : 2;
      }
      boolean ok = failures.isEmpty() && unanswered == 0 && paused.get() == expectPaused
          && duplicates.get() == expectDuplicates && notifications.get() == expectNotifications
          && pausedRuns() == newRuns;
      System.out.println("RESULT webhook_correct=" + ok);
      if (!ok) {
        return 2;
      }
      boolean met = pct(lat, 0.99) <= targetP99Ms * 1e6;
      System.out.println("RESULT webhook_target_met=" + met);
      return met ? 0 : 1;
    }

    /** How many of the runs the alerts named are paused on the server now. */
    long pausedRuns() throws IOException, InterruptedException {
      HttpResponse<String> resp =
          http.send(HttpRequest.newBuilder(runsUri).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
      long n = 0;
      for (Object o : (List<?>) MiniJson.object(resp.body()).get("runs")) {
        Map<?, ?> run = (Map<?, ?>) o;
        String name = (String) run.get("run");
        if ((name.startsWith("wh-p") || name.startsWith("wh-g")) && "paused".equals(run.get("state"))) {
          n++;
        }
      }
      System.out.println("webhook: check GET /api/v1/runs: " + n + " runs paused by alerts");
      return n;
    }

    Template load(String file) throws IOException {
      return new Template(Files.readString(payloads.resolve(file)).strip());
    }

    static String fp(int i, int k) {
      return String.format(Locale.ROOT, "%016x", (long) i * 4 + k + 0x1000_0000_0000L);
    }

    static long pct(long[] sorted, double q) {
      if (sorted.length == 0) {
        return -1;
      }
      int idx = (int) Math.ceil(q * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    static String ms(long nanos) {
      return fmt(nanos / 1e6);
    }
  }

  // =============================================================================== soak

  /**
   * A sustained mixed load for {@code --minutes}. Each kind keeps its own schedule and latencies
   * are measured from the intended send time. Exit 0: totals exact, no error answer, no growth;
   * 2: a check failed.
   */
  static final class Soak {
    static final String[] KINDS = {"ingest", "webhook", "resume", "run", "metrics", "sse"};
    static final Pattern GC_LINE = Pattern.compile("Pause .*?(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    final URI base;
    final String token;
    final int minutes;
    final int eps;
    final int batch;
    final int connections;
    final int runs;
    final int webhookRate;
    final int runRate;
    final int sseClients;
    final int intervalSeconds;
    final double heapTolerancePct;
    final long heapToleranceMb;
    final int threadTolerance;
    final Path gcLog;
    final Ingest ingest;
    final Webhook webhook;
    final HttpClient http = client();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    /** Latencies (ns) of the current interval, per kind; swapped by the sampler. */
    final Map<String, List<Long>> lat = new LinkedHashMap<>();
    final Map<String, AtomicLong> errors = new LinkedHashMap<>();
    final Map<String, AtomicLong> totals = new LinkedHashMap<>();
    volatile boolean stop;
    /** Runs the server has acknowledged usage for: status is asked only of these (else 404 is right). */
    java.util.concurrent.atomic.AtomicIntegerArray acked;
    long gcLogOffset;

    Soak(URI base, String token, Map<String, String> o) {
      this.base = base;
      this.token = token;
      this.minutes = Integer.parseInt(o.getOrDefault("minutes", "10"));
      this.eps = Integer.parseInt(o.getOrDefault("eps", "10000"));
      this.batch = Integer.parseInt(o.getOrDefault("batch", "500"));
      this.connections = Integer.parseInt(o.getOrDefault("connections", "4"));
      this.runs = Integer.parseInt(o.getOrDefault("runs", "300"));
      this.webhookRate = Integer.parseInt(o.getOrDefault("webhook-rate", "100"));
      this.runRate = Integer.parseInt(o.getOrDefault("run-rate", "20"));
      this.sseClients = Integer.parseInt(o.getOrDefault("sse-clients", "4"));
      this.intervalSeconds = Integer.parseInt(o.getOrDefault("interval-seconds", "10"));
      this.heapTolerancePct = Double.parseDouble(o.getOrDefault("heap-tolerance-pct", "20"));
      this.heapToleranceMb = Long.parseLong(o.getOrDefault("heap-tolerance-mb", "8"));
      this.threadTolerance = Integer.parseInt(o.getOrDefault("thread-tolerance", "4"));
      this.gcLog = o.containsKey("gc-log") ? Path.of(o.get("gc-log")) : null;
      Map<String, String> io = new LinkedHashMap<>(o);
      io.put("batch", String.valueOf(batch));
      io.put("connections", String.valueOf(connections));
      io.put("runs", String.valueOf(runs));
      this.ingest = new Ingest(base, token, io);
      this.acked = new java.util.concurrent.atomic.AtomicIntegerArray(runs);
      this.webhook = new Webhook(base, token, o);
      for (String k : KINDS) {
        lat.put(k, new ArrayList<>());
        errors.put(k, new AtomicLong());
        totals.put(k, new AtomicLong());
      }
    }

    void ok(String kind, long nanos) {
      List<Long> l = lat.get(kind);
      synchronized (l) {
        l.add(nanos);
      }
      totals.get(kind).incrementAndGet();
    }

    void error(String kind, String what) {
      errors.get(kind).incrementAndGet();
      if (failures.size() < 100) {
        failures.add(kind + ": " + what);
      }
    }

    static void sleepUntil(long nanoTime) {
      for (long d; (d = nanoTime - System.nanoTime()) > 0; ) {
        LockSupport.parkNanos(d);
      }
    }

    int run() throws Exception {
      long end = System.nanoTime() + minutes * 60_000_000_000L;
      System.out.printf(Locale.ROOT,
          "soak: %d min; ingest %d events/s in NDJSON batches of %d over %d connections, %d runs; webhook %d/s; "
              + "run status %d/s; /metrics 1/s; %d event-stream clients; sample every %d s%n",
          minutes, eps, batch, connections, runs, webhookRate, runRate, sseClients, intervalSeconds);
      List<Thread> threads = new ArrayList<>();
      List<Ingest.Worker> workers = new ArrayList<>();
      long period = (long) (1e9 * connections * batch / eps);
      long t0 = System.nanoTime() + 100_000_000L;
      for (int w = 0; w < connections; w++) {
        Ingest.Worker worker = ingest.new Worker(2000 + w, new AtomicLong(), Long.MAX_VALUE);
        workers.add(worker);
        long first = t0 + w * period / connections;
        threads.add(thread("soak-ingest-" + w, () -> {
          for (long r = 0; ; r++) {
            long intended = first + r * period;
            if (intended >= end) {
              return;
            }
            sleepUntil(intended);
            int before = ingest.failures.size();
            try {
              worker.send(r);
              if (ingest.failures.size() > before) {
                error("ingest", "answer not as expected (see ingest failures)");
              } else {
                ok("ingest", System.nanoTime() - intended);
                for (int k = 0; k < runs; k++) {
                  if (worker.expected[k][5] > 0 && acked.get(k) == 0) {
                    acked.set(k, 1); // the server has answered for usage of this run
                  }
                }
              }
            } catch (Exception e) {
              error("ingest", e.toString());
            }
          }
        }));
      }
      AtomicLong paused = new AtomicLong();
      AtomicLong duplicates = new AtomicLong();
      AtomicLong notifications = new AtomicLong();
      long[] expect = new long[3]; // paused, duplicates, notifications
      CountDownLatch webhookDone = new CountDownLatch(1);
      AtomicInteger inFlight = new AtomicInteger();
      threads.add(thread("soak-webhook", () -> webhookLoop(end, paused, duplicates, notifications, expect, inFlight, webhookDone)));
      threads.add(thread("soak-run", () -> runLoop(end)));
      threads.add(thread("soak-metrics", () -> metricsLoop(end)));
      for (int c = 0; c < sseClients; c++) {
        int id = c;
        threads.add(thread("soak-sse-" + c, () -> sseLoop(end, id)));
      }
      List<long[]> samples = sampler(end); // runs on this thread until the end
      for (Thread t : threads) {
        t.join();
      }
      webhookDone.await(60, TimeUnit.SECONDS);
      for (long deadline = System.nanoTime() + 60_000_000_000L; inFlight.get() > 0 && System.nanoTime() < deadline; ) {
        Thread.sleep(50);
      }
      // The last partial interval (requests answered after the end) is printed too.
      samples.add(sample(samples.size() + 1));

      for (Ingest.Worker w : workers) {
        for (int r = 0; r < runs; r++) {
          for (int k = 0; k < 6; k++) {
            ingest.expected[r][k] += w.expected[r][k];
          }
        }
        ingest.sentLines += w.lines;
        ingest.expectedDuplicates += w.dups;
        ingest.counted += w.counted;
        ingest.duplicates += w.duplicates;
      }
      System.out.printf(Locale.ROOT, "soak: ingest %d lines posted, %d counted, %d duplicates%n",
          ingest.sentLines, ingest.counted, ingest.duplicates);
      boolean exact = ingest.verify();
      boolean webhookExact = paused.get() == expect[0] && duplicates.get() == expect[1] && notifications.get() == expect[2];
      System.out.printf(Locale.ROOT, "soak: webhook answers: paused %d (expected %d), duplicates %d (expected %d), notifications %d (expected %d)%n",
          paused.get(), expect[0], duplicates.get(), expect[1], notifications.get(), expect[2]);
      long errorTotal = errors.values().stream().mapToLong(AtomicLong::get).sum();
      System.out.print("soak: requests answered:");
      totals.forEach((k, v) -> System.out.print(" " + k + " " + v.get()));
      System.out.println();
      System.out.print("soak: error answers:");
      errors.forEach((k, v) -> System.out.print(" " + k + " " + v.get()));
      System.out.println();
      failures.stream().limit(10).forEach(f -> System.out.println("soak: FAILED " + f));
      ingest.failures.stream().limit(10).forEach(f -> System.out.println("soak: FAILED ingest " + f));
      boolean steady = growthCheck(samples);
      System.out.println("RESULT soak_ingest_exact=" + exact);
      System.out.println("RESULT soak_webhook_exact=" + webhookExact);
      System.out.println("RESULT soak_errors=" + errorTotal);
      System.out.println("RESULT soak_steady=" + steady);
      return exact && webhookExact && errorTotal == 0 && ingest.failures.isEmpty() && steady ? 0 : 2;
    }

    Thread thread(String name, Runnable r) {
      Thread t = new Thread(() -> {
        try {
          r.run();
        } catch (RuntimeException e) {
          error("harness", name + ": " + e);
        }
      }, name);
      t.setDaemon(true);
      t.start();
      return t;
    }

    /**
     * Open loop: per 20 requests 15 notifications (N), 1 pause of a run from a pool of 50 (P),
     * resumed through the API once answered, and 4 re-sends of that pause (R): duplicates.
     */
    void webhookLoop(long end, AtomicLong paused, AtomicLong duplicates, AtomicLong notifications, long[] expect,
        AtomicInteger inFlight, CountDownLatch done) {
      try {
        Webhook.Template notify = webhook.load("01-firing-nearly-exhausted.json");
        Webhook.Template pause = webhook.load("02-firing-budget-exceeded.json");
        Webhook.Template repeat = webhook.load("03-firing-budget-exceeded-repeat.json");
        String cycle = "NPRNNRNNRNNNNRNNNNNN";
        long period = 1_000_000_000L / webhookRate;
        long start = System.nanoTime() + 200_000_000L;
        Instant stamp = Instant.parse("2026-12-04T15:35:00.716Z");
        String lastRun = null;
        String lastFp = null;
        String lastStart = null;
        for (int i = 0; ; i++) {
          long intended = start + i * period;
          if (intended >= end) {
            break;
          }
          sleepUntil(intended);
          char kind = cycle.charAt(i % cycle.length());
          byte[] body;
          String s = stamp.plusMillis(i).toString();
          String resumeRun = null;
          if (kind == 'N') {
            body = notify.fill("soak-n" + (i % 997), "", Webhook.fp(i, 0), "", s);
            expect[2]++;
          } else if (kind == 'P') {
            lastRun = "soak-wh" + (i / cycle.length()) % 50;
            lastFp = Webhook.fp(i, 1);
            lastStart = s;
            body = pause.fill(lastRun, "", lastFp, "", s);
            resumeRun = lastRun;
            expect[0]++;
          } else {
            body = repeat.fill(lastRun, "", lastFp, "", lastStart);
            expect[1]++;
          }
          if (inFlight.get() >= 1000) {
            error("webhook", "1000 requests in flight: slot " + i + " not sent");
            continue;
          }
          inFlight.incrementAndGet();
          String toResume = resumeRun;
          http.sendAsync(post(base.resolve("api/v1/alerts"), token, "application/json", body).build(), HttpResponse.BodyHandlers.ofString())
              .whenComplete((resp, ex) -> {
                long l = System.nanoTime() - intended;
                try {
                  if (ex != null || resp.statusCode() != 200) {
                    error("webhook", ex != null ? ex.toString() : "HTTP " + resp.statusCode() + " " + abbreviate(resp.body()));
                    return;
                  }
                  ok("webhook", l);
                  paused.addAndGet(field(resp.body(), "paused"));
                  duplicates.addAndGet(field(resp.body(), "duplicates"));
                  notifications.addAndGet(field(resp.body(), "notifications"));
                  if (toResume != null) {
                    resume(toResume, inFlight);
                  }
                } finally {
                  inFlight.decrementAndGet();
                }
              });
        }
      } catch (IOException e) {
        error("webhook", e.toString());
      } finally {
        done.countDown();
      }
    }

    void resume(String run, AtomicInteger inFlight) {
      inFlight.incrementAndGet();
      long t = System.nanoTime();
      byte[] body = "{\"override\":true,\"by\":\"soak\",\"reason\":\"soak\"}".getBytes(StandardCharsets.UTF_8);
      http.sendAsync(post(base.resolve("api/v1/runs/" + run + "/resume"), token, "application/json", body).build(),
              HttpResponse.BodyHandlers.ofString())
          .whenComplete((resp, ex) -> {
            if (ex != null || resp.statusCode() != 200) {
              error("resume", ex != null ? ex.toString() : "HTTP " + resp.statusCode() + " " + abbreviate(resp.body()));
            } else {
              ok("resume", System.nanoTime() - t);
            }
            inFlight.decrementAndGet();
          });
    }

    /**
     * Run status of a random run of the steady set that the server has acknowledged usage for, at
     * a fixed rate (the 10-minute run of 4 Dec asked before that: 9 right 404s in its first 10 s).
     */
    void runLoop(long end) {
      SplittableRandom rnd = new SplittableRandom(7);
      long period = 1_000_000_000L / runRate;
      long start = System.nanoTime() + 2_000_000_000L;
      for (long i = 0; ; i++) {
        long intended = start + i * period;
        if (intended >= end) {
          return;
        }
        sleepUntil(intended);
        int pick = rnd.nextInt(runs);
        for (int tries = 0; acked.get(pick) == 0 && tries < runs; tries++) {
          pick = (pick + 1) % runs;
        }
        if (acked.get(pick) == 0) {
          continue; // no usage acknowledged yet: nothing to ask about
        }
        String run = "load-r" + pick;
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("api/v1/runs/" + run))
              .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() != 200 || !r.body().contains("\"run\":\"" + run + "\"")) {
            error("run", "GET " + run + ": HTTP " + r.statusCode() + " " + abbreviate(r.body()));
          } else {
            ok("run", System.nanoTime() - intended);
          }
        } catch (Exception e) {
          error("run", e.toString());
        }
      }
    }

    volatile long lastHeapUsed = -1;
    volatile long lastThreads = -1;
    final List<Long> heapUsed = new ArrayList<>();
    final List<Long> threadCounts = new ArrayList<>();

    /** A Prometheus scrape every second; its JVM metrics feed the samples. */
    void metricsLoop(long end) {
      long start = System.nanoTime();
      for (long i = 0; ; i++) {
        long intended = start + i * 1_000_000_000L;
        if (intended >= end) {
          return;
        }
        sleepUntil(intended);
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("metrics"))
              .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() != 200) {
            error("metrics", "HTTP " + r.statusCode());
            continue;
          }
          ok("metrics", System.nanoTime() - intended);
          long heap = 0;
          long threads = -1;
          for (String line : r.body().split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{area=\"heap\"}")) {
              heap = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("jvm_threads_current ")) {
              threads = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
          }
          synchronized (heapUsed) {
            heapUsed.add(heap);
            threadCounts.add(threads);
          }
        } catch (Exception e) {
          error("metrics", e.toString());
        }
      }
    }

    /** Connects to the event stream, reads 2 to 8 s, drops the connection, waits up to 1 s, again. */
    void sseLoop(long end, int id) {
      SplittableRandom rnd = new SplittableRandom(100 + id);
      while (System.nanoTime() < end) {
        long t = System.nanoTime();
        long until = Math.min(end, t + 2_000_000_000L + rnd.nextLong(6_000_000_000L));
        try {
          HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(base.resolve("api/v1/events"))
              .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
          try (java.io.InputStream in = r.body()) {
            if (r.statusCode() != 200) {
              error("sse", "HTTP " + r.statusCode());
            } else {
              byte[] buf = new byte[65536];
              long bytes = 0;
              // Reads until the planned drop, and in any case until a first byte: with no event to
              // send the server owes a heartbeat within 15 s, so 16 s of nothing is an error.
              long limit = t + 16_000_000_000L;
              while ((System.nanoTime() < until || bytes == 0) && System.nanoTime() < limit) {
                int n = in.read(buf);
                if (n < 0) {
                  error("sse", "stream ended by the server");
                  break;
                }
                bytes += n;
              }
              if (bytes == 0) {
                error("sse", "no byte in " + (System.nanoTime() - t) / 1_000_000 + " ms (not even a heartbeat)");
              } else {
                ok("sse", Math.max(0, System.nanoTime() - until)); // how late past the planned drop
              }
            }
          }
          Thread.sleep(rnd.nextInt(1000));
        } catch (Exception e) {
          error("sse", e.toString());
        }
      }
    }

    /** Every interval: prints one line per interval; returns the samples (MB after GC min, threads max...). */
    List<long[]> sampler(long end) throws InterruptedException {
      List<long[]> samples = new ArrayList<>();
      System.out.println("soak: t(s) | heap after GC MB min/max (GCs) | heap used MB min/max | threads max | "
          + "p50/p99/max ms and count per kind: " + String.join(", ", KINDS));
      long start = System.nanoTime();
      for (int n = 1; ; n++) {
        long at = start + n * intervalSeconds * 1_000_000_000L;
        if (at > end) {
          return samples;
        }
        sleepUntil(at);
        samples.add(sample(n));
      }
    }

    /** One interval's line; returns {n, afterGcMinMB, afterGcMaxMB, gcs, heapMinMB, heapMaxMB, threadsMax}. */
    long[] sample(int n) {
      long[] gc = readGcLog();
      long hMin = Long.MAX_VALUE;
      long hMax = -1;
      long tMax = -1;
      synchronized (heapUsed) {
        for (long h : heapUsed) {
          hMin = Math.min(hMin, h);
          hMax = Math.max(hMax, h);
        }
        for (long t : threadCounts) {
          tMax = Math.max(tMax, t);
        }
        heapUsed.clear();
        threadCounts.clear();
      }
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "soak: %5d | %s/%s (%d) | %s/%s | %d |",
          n * intervalSeconds, gc[0] < 0 ? "-" : gc[0], gc[1] < 0 ? "-" : gc[1], gc[2],
          hMax < 0 ? "-" : String.valueOf(hMin >> 20), hMax < 0 ? "-" : String.valueOf(hMax >> 20), tMax));
      for (String k : KINDS) {
        List<Long> l = lat.get(k);
        long[] a;
        synchronized (l) {
          a = l.stream().mapToLong(Long::longValue).sorted().toArray();
          l.clear();
        }
        row.append(' ').append(k).append(' ').append(Webhook.ms(Webhook.pct(a, 0.5))).append('/')
            .append(Webhook.ms(Webhook.pct(a, 0.99))).append('/').append(Webhook.ms(Webhook.pct(a, 1.0)))
            .append(" n").append(a.length).append(';');
      }
      System.out.println(row);
      return new long[] {n, gc[0], gc[1], gc[2], hMax < 0 ? -1 : hMin >> 20, hMax < 0 ? -1 : hMax >> 20, tMax};
    }

    /** Heap after GC (MB) of the GCs logged since the last call: {min, max, count}; -1 when none. */
    long[] readGcLog() {
      long[] out = {-1, -1, 0};
      if (gcLog == null) {
        return out;
      }
      try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(gcLog.toFile(), "r")) {
        if (f.length() <= gcLogOffset) {
          return out;
        }
        f.seek(gcLogOffset);
        byte[] b = new byte[(int) (f.length() - gcLogOffset)];
        f.readFully(b);
        String text = new String(b, StandardCharsets.UTF_8);
        int lastNl = text.lastIndexOf('\n');
        if (lastNl < 0) {
          return out;
        }
        gcLogOffset += text.substring(0, lastNl + 1).getBytes(StandardCharsets.UTF_8).length;
        for (String line : text.substring(0, lastNl).split("\n")) {
          // The summary line of each pause, tagged gc alone: "[info][gc] GC(7) Pause Young ... 90M->31M(256M) 3.1ms".
          Matcher m = GC_LINE.matcher(line);
          if (m.find() && (line.contains("[gc]") || line.contains("[gc "))) {
            long after = mb(Long.parseLong(m.group(3)), m.group(4));
            out[0] = out[0] < 0 ? after : Math.min(out[0], after);
            out[1] = Math.max(out[1], after);
            out[2]++;
          }
        }
      } catch (IOException e) {
        error("harness", "GC log: " + e);
      }
      return out;
    }

    static long mb(long v, String unit) {
      return unit.equals("K") ? v >> 10 : unit.equals("G") ? v << 10 : v;
    }

    /**
     * No growth once steady: the lowest heap after GC of the run's last quarter may exceed that of
     * its third quarter by at most the tolerance (a leak raises the floor; garbage waiting for a
     * mixed collection does not); the most threads of the last quarter may exceed the most seen
     * in the three quarters before by at most the thread tolerance (a pool that grows to its bound
     * under a latency spike is not a leak; threads that keep coming are).
     */
    boolean growthCheck(List<long[]> samples) {
      int n = samples.size() - 1; // the final partial interval is left out
      if (n < 4) {
        System.out.println("soak: growth check skipped: fewer than 4 intervals");
        return true;
      }
      List<long[]> q3 = samples.subList(n / 2, 3 * n / 4);
      List<long[]> q4 = samples.subList(3 * n / 4, n);
      long gc3 = q3.stream().filter(s -> s[1] >= 0).mapToLong(s -> s[1]).min().orElse(-1);
      long gc4 = q4.stream().filter(s -> s[1] >= 0).mapToLong(s -> s[1]).min().orElse(-1);
      long th3 = samples.subList(0, 3 * n / 4).stream().mapToLong(s -> s[6]).max().orElse(-1);
      long th4 = q4.stream().mapToLong(s -> s[6]).max().orElse(-1);
      long hm3 = q3.stream().filter(s -> s[4] >= 0).mapToLong(s -> s[4]).min().orElse(-1);
      long hm4 = q4.stream().filter(s -> s[4] >= 0).mapToLong(s -> s[4]).min().orElse(-1);
      long allowed = gc3 < 0 ? -1 : (long) (gc3 * (1 + heapTolerancePct / 100)) + heapToleranceMb;
      boolean heapOk = gc3 < 0 || gc4 < 0 || gc4 <= allowed;
      boolean threadsOk = th4 <= th3 + threadTolerance;
      System.out.printf(Locale.ROOT, "soak: second half: lowest heap after GC %s MB (3rd quarter) -> %s MB (4th quarter), allowed %s MB: %s%n",
          gc3, gc4, allowed, heapOk ? "steady" : "GROWTH");
      System.out.printf(Locale.ROOT, "soak: second half: lowest heap used (1 s scrapes) %d MB -> %d MB (reported, not checked)%n", hm3, hm4);
      System.out.printf(Locale.ROOT, "soak: most threads: first three quarters %d, last quarter %d, allowed %d: %s%n",
          th3, th4, th3 + threadTolerance, threadsOk ? "steady" : "GROWTH");
      if (gc3 < 0 || gc4 < 0) {
        System.out.println("soak: no GC log given or no GC in a quarter: heap after GC not checked");
      }
      if (minutes < 5) {
        // The remembered windows (100,000 idempotency keys, 10,000 alerts) take 2 to 3 minutes to
        // fill at the default rates: before that the heap rises by design.
        System.out.println("soak: shorter than 5 minutes: growth reported, not enforced");
        return true;
      }
      return heapOk && threadsOk;
    }
  }

  static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  // =============================================================================== JSON

  /** Just enough JSON to read the server's answers: objects, arrays, strings, numbers, literals. */
  static final class MiniJson {
    private final String s;
    private int i;

    private MiniJson(String s) {
      this.s = s;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(String json) {
      MiniJson p = new MiniJson(json);
      Object v = p.value();
      p.ws();
      if (p.i != json.length() || !(v instanceof Map)) {
        throw new IllegalArgumentException("not one JSON object");
      }
      return (Map<String, Object>) v;
    }

    private void ws() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    private Object value() {
      ws();
      char c = s.charAt(i);
      if (c == '{') {
        Map<String, Object> m = new LinkedHashMap<>();
        i++;
        ws();
        if (s.charAt(i) == '}') {
          i++;
          return m;
        }
        while (true) {
          ws();
          String k = string();
          ws();
          expect(':');
          m.put(k, value());
          ws();
          if (s.charAt(i++) == '}') {
            return m;
          }
        }
      }
      if (c == '[') {
        List<Object> l = new ArrayList<>();
        i++;
        ws();
        if (s.charAt(i) == ']') {
          i++;
          return l;
        }
        while (true) {
          l.add(value());
          ws();
          if (s.charAt(i++) == ']') {
            return l;
          }
        }
      }
      if (c == '"') {
        return string();
      }
      if (s.startsWith("true", i)) {
        i += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("false", i)) {
        i += 5;
        return Boolean.FALSE;
      }
      if (s.startsWith("null", i)) {
        i += 4;
        return null;
      }
      int from = i;
      while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
      return new BigDecimal(s.substring(from, i));
    }

    private String string() {
      expect('"');
      StringBuilder b = new StringBuilder();
      while (true) {
        char c = s.charAt(i++);
        if (c == '"') {
          return b.toString();
        }
        if (c == '\\') {
          char e = s.charAt(i++);
          switch (e) {
            case 'n': b.append('\n'); break;
            case 't': b.append('\t'); break;
            case 'r': b.append('\r'); break;
            case 'b': b.append('\b'); break;
            case 'f': b.append('\f'); break;
            case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
            default: b.append(e);
          }
        } else {
          b.append(c);
        }
      }
    }

    private void expect(char c) {
      if (s.charAt(i++) != c) {
        throw new IllegalArgumentException("expected " + c + " at " + (i - 1));
      }
    }
  }
}
