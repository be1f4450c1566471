package dev.tokenmeter.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.server.SecurityAccess;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile run ids in the URL, in usage events and in webhook labels: refused with 400 where the
 * id is invalid (see RunIds: 1 to 256 characters, not blank, no control characters, no / or \,
 * not . or ..), and never a file outside {@code <state-dir>/runs/} (or {@code sessions/}).
 */
class RunIdTraversalTest {

  /** Decoded ids that must be refused, by name. */
  static Map<String, String> invalidIds() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("dot-dot", "..");
    m.put("dot", ".");
    m.put("dot-dot-slash", "../escaped");
    m.put("deep traversal", "../../../../../../tmp/escaped");
    m.put("absolute path", "/tmp/escaped");
    m.put("windows path", "..\\..\\escaped");
    m.put("NUL byte", "run\0.json");
    m.put("CR LF (log forging)", "run\r\nINFO forged line");
    m.put("DEL", "run\u007f");
    m.put("C1 control", "run\u0085");
    m.put("blank", "   ");
    m.put("too long", "r".repeat(SecurityAccess.maxRunIdLength() + 1));
    m.put("very long", "r".repeat(50_000));
    return m;
  }

  /** Ids that are fine, with their encodings in a URL path. */
  static final Map<String, String> VALID =
      Map.of(
          "r".repeat(256), "r".repeat(256),
          "rün-✓-运行-🚀", "r%C3%BCn-%E2%9C%93-%E8%BF%90%E8%A1%8C-%F0%9F%9A%80",
          "a.b..c", "a.b..c",
          "with space", "with%20space");

  /** URL paths that reach (or try to reach) the run endpoints with a traversal in the id. */
  static final List<String> URL_RUNS =
      List.of("..", "%2e%2e", "%2E%2E", ".%2e", "..%2F..%2Fescaped", "%2e%2e%2f%2e%2e%2fescaped", "%2Ftmp%2Fescaped",
          "..%5C..%5Cescaped", "run%00x", "run%0d%0aX", "%20%20", "r".repeat(5000), "%C0%AE%C0%AE");

  @Test
  void invalidIdsInTheUrlAreRefusedAndWriteNothingOutsideTheStateDirectory(@TempDir Path root) throws Exception {
    Path state = root.resolve("state");
    StringBuilder report = new StringBuilder();
    try (SecHarness h = new SecHarness(state)) {
      for (String id : URL_RUNS) {
        for (String action : List.of("pause", "budget", "resume", "gate", "")) {
          String path = "/api/v1/runs/" + id + (action.isEmpty() ? "" : "/" + action);
          String method = action.equals("budget") ? "PUT" : action.equals("gate") || action.isEmpty() ? "GET" : "POST";
          HttpResponse<String> r =
              h.authorized(method, path, action.equals("budget") ? "{\"budgetUsd\":\"5\"}" : "");
          report.append(String.format("%-6s %-40.40s -> %d%n", method, path, r.statusCode()));
          assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isIn(400, 404);
          assertOnlyStateFiles(root, state);
        }
      }
      assertThat(h.meter.runs()).as("no run was created by any of them").isEmpty();
      assertThat(runFiles(state)).isEmpty();
    }
    System.out.print(report);
  }

  @Test
  void invalidIdsInUsageEventsAndAlertLabelsAre400(@TempDir Path root) throws Exception {
    Path state = root.resolve("state");
    try (SecHarness h = new SecHarness(state)) {
      for (Map.Entry<String, String> e : invalidIds().entrySet()) {
        ObjectNode usage = SecHarness.JSON.createObjectNode();
        usage.put("run", e.getValue());
        usage.put("model", SecHarness.MODEL);
        usage.put("inputTokens", 1);
        HttpResponse<String> r = h.authorized("POST", "/api/v1/usage", usage.toString());
        assertThat(r.statusCode()).as("usage run " + e.getKey() + ": " + r.body()).isEqualTo(400);
        assertThat(r.body()).as("the id is not echoed").doesNotContain("forged line").hasSizeLessThan(2000);

        usage.put("run", "fine");
        usage.put("session", e.getValue());
        r = h.authorized("POST", "/api/v1/usage", usage.toString());
        assertThat(r.statusCode()).as("usage session " + e.getKey()).isEqualTo(400);

        HttpResponse<String> a = h.authorized("POST", "/api/v1/alerts", SecHarness.alertBody(e.getValue()));
        assertThat(a.statusCode()).as("alert run label " + e.getKey() + ": " + a.body()).isEqualTo(400);
        assertOnlyStateFiles(root, state);
      }
      assertThat(h.meter.runs()).isEmpty();
      assertThat(runFiles(state)).isEmpty();
    }
  }

  @Test
  void validIdsIncludingUnicodeWorkAndStayInsideRuns(@TempDir Path root) throws Exception {
    Path state = root.resolve("state");
    try (SecHarness h = new SecHarness(state)) {
      for (Map.Entry<String, String> e : VALID.entrySet()) {
        assertThat(SecurityAccess.runIdProblem(e.getKey())).isNull();
        assertThat(h.authorized("POST", "/api/v1/usage", usageJson(e.getKey())).statusCode()).as(e.getKey()).isEqualTo(200);
        HttpResponse<String> p = h.authorized("POST", "/api/v1/runs/" + e.getValue() + "/pause", "");
        assertThat(p.statusCode()).as(e.getKey() + ": " + p.body()).isEqualTo(200);
        assertThat(SecHarness.json(p).path("status").path("run").asText()).isEqualTo(e.getKey());
        HttpResponse<String> a = h.authorized("POST", "/api/v1/alerts", SecHarness.alertBody(e.getKey()));
        assertThat(a.statusCode()).as(e.getKey()).isEqualTo(200);
        assertOnlyStateFiles(root, state);
      }
      assertThat(runFiles(state)).hasSizeGreaterThanOrEqualTo(VALID.size());
    }
  }

  @Test
  void rawRequestLinesWithTraversalAreRefused(@TempDir Path root) throws Exception {
    Path state = root.resolve("state");
    try (SecHarness h = new SecHarness(state)) {
      for (String target : List.of("/api/v1/runs/../../../tmp/escaped/pause", "/api/v1/runs/a/../../x/pause",
          "/api/v1/runs/%2e%2e/pause", "/api/v1/runs/run%00/pause", "/api/v1/runs/x/%2e%2e/%2e%2e/healthz", "/api/v1/runs/%ZZ/pause")) {
        String got = h.raw("POST " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + SecHarness.TOKEN
            + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", Duration.ofSeconds(2));
        List<Integer> s = SecHarness.statuses(got);
        assertThat(s).as(target).hasSize(1);
        assertThat(s.get(0)).as(target + ": " + got).isIn(400, 404);
        assertOnlyStateFiles(root, state);
      }
      assertThat(h.meter.runs()).isEmpty();
    }
  }

  /**
   * Refusals by Jetty itself (a URI it will not take) and by the router go out before the body
   * was read; Jetty then closes the connection, so they must say Connection: close, or a pooling
   * client's next request fails ("header parser received no bytes", seen in this test's URL loop).
   */
  @Test
  void refusalsBeforeTheBodySayConnectionClose(@TempDir Path root) throws Exception {
    try (SecHarness h = new SecHarness(root.resolve("state"))) {
      String body = "{\"budgetUsd\":\"5\"}";
      for (String id : List.of("run%00x", "%2e%2e", "..%2F..%2Fescaped", "%20%20", "%C0%AE%C0%AE", "r".repeat(300))) {
        String got = h.rawWithLateBody("PUT /api/v1/runs/" + id + "/budget HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + SecHarness.TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n", body);
        assertThat(got).as(id).startsWith("HTTP/1.1 400");
        assertThat(got.toLowerCase(java.util.Locale.ROOT)).as(id).contains("connection: close");
      }
    }
  }

  static String usageJson(String run) {
    ObjectNode o = SecHarness.JSON.createObjectNode();
    o.put("run", run);
    o.put("model", SecHarness.MODEL);
    o.put("inputTokens", 10);
    return o.toString();
  }

  static List<Path> runFiles(Path state) throws IOException {
    try (Stream<Path> s = Files.list(state.resolve("runs"))) {
      return s.collect(Collectors.toList());
    }
  }

  /** Everything under root is the state directory, its runs/ and sessions/, and files directly in those. */
  static void assertOnlyStateFiles(Path root, Path state) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.collect(Collectors.toList())) {
        if (p.equals(root) || p.equals(state) || p.equals(state.resolve("runs")) || p.equals(state.resolve("sessions"))) {
          continue;
        }
        assertThat(p.getParent()).as("unexpected file " + p).isIn(state.resolve("runs"), state.resolve("sessions"));
        assertThat(Files.isRegularFile(p)).as(p.toString()).isTrue();
      }
    }
  }
}
