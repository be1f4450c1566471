package dev.tokenmeter.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A huge header, many headers, a huge URL, a huge body: refused with 4xx; the server lives on. */
class OversizedRequestTest {

  @Test
  void oversizedHeadersAndUrlsAreRefusedAndTheServerLivesOn(@TempDir Path dir) throws Exception {
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      many.append("X-H").append(i).append(": v\r\n");
    }
    String hundredK = "a".repeat(100_000);
    List<String[]> cases =
        List.of(
            new String[] {"one 64 KiB header", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n"},
            new String[] {"2000 headers", "GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + "\r\n"},
            new String[] {"100 KB URL", "GET /api/v1/runs/" + hundredK + " HTTP/1.1\r\nHost: x\r\n\r\n"},
            new String[] {"100 KB query", "GET /healthz?q=" + hundredK + " HTTP/1.1\r\nHost: x\r\n\r\n"},
            new String[] {"1 MB header name", "GET /healthz HTTP/1.1\r\nHost: x\r\n" + "X".repeat(1 << 20) + ": v\r\n\r\n"},
            new String[] {"huge Content-Length", "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + SecHarness.TOKEN
                + "\r\nContent-Length: 99999999999999\r\n\r\n{}"},
            new String[] {"negative Content-Length", "POST /api/v1/usage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + SecHarness.TOKEN
                + "\r\nContent-Length: -1\r\n\r\n{}"});
    StringBuilder report = new StringBuilder();
    try (SecHarness h = new SecHarness(dir)) {
      String before = h.observableState();
      for (String[] c : cases) {
        String got = h.raw(c[1], Duration.ofSeconds(2));
        List<Integer> s = SecHarness.statuses(got);
        report.append(String.format("%-24s -> %s%n", c[0], s));
        assertThat(s).as(c[0]).hasSize(1);
        assertThat(s.get(0)).as(c[0]).isIn(400, 413, 414, 431);
        assertThat(h.get("/healthz").statusCode()).as("alive after " + c[0]).isEqualTo(200);
      }
      assertThat(h.observableState()).isEqualTo(before);
    }
    System.out.print(report);
  }
}
