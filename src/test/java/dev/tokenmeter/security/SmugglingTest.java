package dev.tokenmeter.security;

import static dev.tokenmeter.security.SecHarness.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ambiguous framing, sent as raw bytes: each case hides a second request, {@code POST
 * /api/v1/runs/<victim>/pause} with the right token, where a parser that disagreed with a proxy
 * in front of it would find it. Jetty must refuse the message (400) or frame it one way only, and
 * the victim must never be paused.
 */
class SmugglingTest {

  static SecHarness h;
  @TempDir static Path dir;

  @BeforeAll
  static void start() throws Exception {
    h = new SecHarness(dir);
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  static final String AUTH = "Authorization: Bearer " + TOKEN + "\r\n";

  static String smuggled(String victim) {
    return "POST /api/v1/runs/" + victim + "/pause HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Length: 0\r\n\r\n";
  }

  static String usage(String victim) {
    return SecHarness.usageBody(victim + "-cover");
  }

  /**
   * Name, raw bytes; every case but bare-lf-lines hides smuggled(victim) with victim = the case's
   * own run. bare-lf-lines is a lone request framed with bare LFs: it may be refused or served, once.
   */
  static Map<String, String> cases() {
    Map<String, String> m = new LinkedHashMap<>();
    String v;

    v = "cl-te";
    String chunkedEnd = "0\r\n\r\n";
    m.put(v, "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Type: application/json\r\n"
        + "Content-Length: " + (chunkedEnd + smuggled(v)).length() + "\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunkedEnd + smuggled(v));

    v = "te-cl";
    String body = usage(v);
    String chunk = Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
    m.put(v, "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" + chunk + smuggled(v));

    v = "two-cl";
    m.put(v, "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Type: application/json\r\n"
        + "Content-Length: " + usage(v).length() + "\r\nContent-Length: " + (usage(v) + smuggled(v)).length() + "\r\n\r\n"
        + usage(v) + smuggled(v));

    v = "cl-list";
    m.put(v, "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Type: application/json\r\n"
        + "Content-Length: " + usage(v).length() + ", " + (usage(v) + smuggled(v)).length() + "\r\n\r\n"
        + usage(v) + smuggled(v));

    v = "bad-chunk-size";
    m.put(v, "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + usage(v) + "\r\n0\r\n\r\n" + smuggled(v));

    v = "chunk-size-overflow";
    m.put(v, "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n10000000000000000" + Integer.toHexString(usage(v).length()) + "\r\n"
        + usage(v) + "\r\n0\r\n\r\n" + smuggled(v));

    v = "te-obs-fold";
    m.put(v, "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Type: application/json\r\n"
        + "Content-Length: " + (chunkedEnd + smuggled(v)).length() + "\r\nTransfer-Encoding:\r\n chunked\r\n\r\n"
        + chunkedEnd + smuggled(v));

    v = "obs-fold";
    m.put(v, "POST /api/v1/runs/" + v + "/budget HTTP/1.1\r\nHost: x\r\n" + AUTH + "X-Note: a\r\n b\r\n"
        + "Content-Length: 0\r\n\r\n" + smuggled(v));

    v = "te-space-before-colon";
    m.put(v, "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Type: application/json\r\n"
        + "Content-Length: " + (chunkedEnd + smuggled(v)).length() + "\r\nTransfer-Encoding : chunked\r\n\r\n"
        + chunkedEnd + smuggled(v));

    v = "te-xchunked";
    m.put(v, "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Type: application/json\r\n"
        + "Content-Length: " + (chunkedEnd + smuggled(v)).length() + "\r\nTransfer-Encoding: xchunked\r\n\r\n"
        + chunkedEnd + smuggled(v));

    v = "te-chunked-identity";
    m.put(v, "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Type: application/json\r\n"
        + "Content-Length: " + (chunkedEnd + smuggled(v)).length() + "\r\nTransfer-Encoding: chunked, identity\r\n\r\n"
        + chunkedEnd + smuggled(v));

    v = "bare-lf-in-header";
    m.put(v, "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Type: application/json\r\n"
        + "X-Note: a\nContent-Length: " + (chunkedEnd + smuggled(v)).length() + "\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunkedEnd + smuggled(v));

    v = "bare-cr-in-header";
    m.put(v, "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Type: application/json\r\n"
        + "X-Note: a\rContent-Length: 0\r\nContent-Length: " + (usage(v) + smuggled(v)).length() + "\r\n\r\n"
        + usage(v) + smuggled(v));

    v = "bare-lf-lines";
    m.put(v, "POST /api/v1/usage HTTP/1.1\nHost: x\n" + AUTH.replace("\r\n", "\n") + "Content-Type: application/json\n"
        + "Content-Length: " + usage(v).length() + "\n\n" + usage(v));

    v = "space-in-path";
    m.put(v, "POST /api/v1/runs/" + v + " /pause HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Length: 0\r\n\r\n");

    v = "request-line-smuggle";
    m.put(v, "GET /healthz HTTP/1.1 POST /api/v1/runs/" + v + "/pause HTTP/1.1\r\nHost: x\r\n" + AUTH + "\r\n");

    v = "http09-absolute";
    m.put(v, "POST http://x/api/v1/runs/" + v + "/pause\r\n" + AUTH + "\r\n");

    v = "nul-in-header";
    m.put(v, "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\n" + AUTH + "X-Note: a\0b\r\n"
        + "Content-Length: 0\r\nContent-Length: " + (usage(v) + smuggled(v)).length() + "\r\n\r\n" + usage(v) + smuggled(v));
    return m;
  }

  /** Cases whose bytes Jetty may answer with a 2xx for the first request: the framing was unambiguous. */
  static final List<String> MAY_SUCCEED = List.of("bare-lf-lines");

  @Test
  void noSmuggledRequestEverPausesItsVictim() throws Exception {
    StringBuilder report = new StringBuilder();
    for (Map.Entry<String, String> c : cases().entrySet()) {
      String victim = c.getKey();
      h.seed(victim);
      String got = h.raw(c.getValue(), Duration.ofMillis(700));
      List<Integer> statuses = SecHarness.statuses(got);
      report.append(String.format("%-24s -> %s%n", victim, statuses));
      assertThat(h.gate(victim)).as(victim + " was paused by a smuggled request; responses " + statuses).isEqualTo("open");
      if (!MAY_SUCCEED.contains(victim)) {
        assertThat(statuses).as(victim + ": refused").isNotEmpty();
        int first = statuses.get(0);
        assertThat(first >= 400 && first < 500 || first == 505).as(victim + ": first response " + first + " is a refusal").isTrue();
      }
      // Only one response: a second would be the smuggled request's.
      assertThat(statuses).as(victim + ": one response only").hasSizeLessThanOrEqualTo(1);
      assertThat(h.get("/healthz").statusCode()).isEqualTo(200);
    }
    System.out.print(report);
  }
}
