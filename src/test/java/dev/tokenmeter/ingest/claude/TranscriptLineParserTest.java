package dev.tokenmeter.ingest.claude;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.ingest.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The streaming fast path decides every line exactly as the tree parser does, or leaves it. */
class TranscriptLineParserTest {

  /** What the tree parser makes of a line: the call, "none", or the error. */
  static String tree(TranscriptFile f, String line) {
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    try {
      ClaudeCall c = TranscriptReader.parseTree(f, b, b.length, 7);
      return describe(c);
    } catch (Exception e) {
      return "error: " + e.getMessage();
    }
  }

  static String describe(ClaudeCall c) {
    return c == null ? "none" : c + " cost=" + c.reportedCostUsd() + " at=" + c.timestamp()
        + " run=" + c.run();
  }

  /** Asserts both paths agree; returns whether the fast path decided. */
  static boolean assertAgrees(TranscriptFile f, String line) {
    return assertAgrees(f, line.getBytes(StandardCharsets.UTF_8));
  }

  static boolean assertAgrees(TranscriptFile f, byte[] b) {
    ClaudeCall fast = TranscriptLineParser.parse(f, b, b.length, 7);
    if (fast == TranscriptLineParser.UNSURE) {
      return false;
    }
    String expected;
    try {
      expected = describe(TranscriptReader.parseTree(f, b, b.length, 7));
    } catch (Exception e) {
      expected = "error: " + e.getMessage();
    }
    assertThat(describe(fast)).as(new String(b, StandardCharsets.UTF_8)).isEqualTo(expected);
    return true;
  }

  @Test
  void damagedRealLinesAreNeverDecidedDifferently() throws Exception {
    java.util.Random random = new java.util.Random(42);
    TranscriptFile f = TranscriptFile.session(Path.of("/p/-x/s.jsonl"));
    List<byte[]> lines = new ArrayList<>();
    try (Stream<Path> s = Files.walk(SharedData.resolve("claude-transcripts"))) {
      for (Path p : s.filter(x -> x.toString().endsWith(".jsonl")).toList()) {
        for (String line : Files.readAllLines(p)) {
          if (line.contains("\"usage\"")) {
            lines.add(line.getBytes(StandardCharsets.UTF_8));
          }
        }
      }
    }
    byte[] interesting = "{}[]\",:0123456789.-eE+tfnu\\ \u0001\u00ff".getBytes(StandardCharsets.ISO_8859_1);
    int decided = 0;
    for (int n = 0; n < 20_000; n++) {
      byte[] b = lines.get(random.nextInt(lines.size())).clone();
      int cuts = 1 + random.nextInt(3);
      for (int c = 0; c < cuts; c++) {
        int at = random.nextInt(b.length);
        switch (random.nextInt(3)) {
          case 0 -> b[at] = interesting[random.nextInt(interesting.length)];
          case 1 -> b = java.util.Arrays.copyOf(b, at); // truncated
          default -> b[at] = (byte) random.nextInt(256);
        }
        if (b.length == 0) {
          break;
        }
      }
      if (b.length > 0 && assertAgrees(f, b)) {
        decided++;
      }
    }
    assertThat(decided).as("most damage hits skipped content, still decided fast").isGreaterThan(1000);
  }

  @Test
  void everyRealTranscriptLineGetsTheSameCallBothWays() throws Exception {
    int lines = 0;
    int unsure = 0;
    try (Stream<Path> s = Files.walk(SharedData.resolve("claude-transcripts"))) {
      for (Path p : s.filter(x -> x.toString().endsWith(".jsonl")).toList()) {
        TranscriptFile f = p.getParent().getFileName().toString().equals("subagents")
            ? TranscriptFile.subagent(p, "general-purpose") : TranscriptFile.session(p);
        for (String line : Files.readAllLines(p)) {
          if (line.isBlank()) {
            continue;
          }
          lines++;
          byte[] b = line.getBytes(StandardCharsets.UTF_8);
          if (TranscriptLineParser.parse(f, b, b.length, 7) == TranscriptLineParser.UNSURE) {
            unsure++;
          }
          assertAgrees(f, line);
        }
      }
    }
    assertThat(lines).isGreaterThan(1000);
    assertThat(unsure).as("real lines all take the fast path").isZero();
  }

  @Test
  void oddLinesAreDecidedTheSameOrLeftToTheTree() {
    TranscriptFile f = TranscriptFile.session(Path.of("/p/-x/s-from-path.jsonl"));
    String usage = "\"usage\":{\"input_tokens\":3,\"output_tokens\":4,"
        + "\"cache_creation_input_tokens\":10,\"cache_creation\":{\"ephemeral_1h_input_tokens\":4}}";
    int decided = 0;
    for (String line : List.of(
        "{\"type\":\"assistant\",\"m\\u0065ssage\":{\"id\":\"m\",\"model\":\"x\"," + usage + "}}",
        "{\"type\":\"assistant\",\"message\":{\"id\":\"m\\u0031\",\"model\":\"x\"," + usage + "}}",
        "{\"type\":\"user\",\"x\":\"caf\u00e9 \\n \\ud83d\\ude00\",\"y\":[1e5,-0.5,true,false,null,{}]}",
        "{\"type\":\"user\",\"x\":01}",
        "{\"type\":\"user\",\"x\":\"\u0001\"}",
        "{\"type\":\"user\",\"x\":[1,]}",
        "{\"type\":\"user\",\"x\":truex}",
        "{\"type\":\"user\",}",
        "  {\"type\" : \"user\" }  ",
        "{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"model\":\"x\"," + usage + "}}",
        "{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"model\":\"x\"," + usage
            + ",\"usage\":null}}",
        "{\"message\":{\"id\":\"m\",\"model\":\"x\"," + usage + "},\"type\":\"assistant\","
            + "\"sessionId\":\"\",\"requestId\":\"r\",\"costUSD\":0.25,\"isSidechain\":true}",
        "{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"model\":\"x\","
            + "\"usage\":{\"input_tokens\":12.0}}}",
        "{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"model\":\"x\","
            + "\"usage\":{\"input_tokens\":-1}}}",
        "{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"model\":\"x\","
            + "\"usage\":{\"input_tokens\":99999999999999999999}}}",
        "{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"model\":\"<synthetic>\",\"usage\":{}}}",
        "{\"type\":\"assistant\",\"message\":{\"model\":\"x\",\"usage\":{}}}",
        "{\"type\":\"assistant\",\"message\":null}",
        "{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"model\":\"x\",\"usage\":{}},"
            + "\"timestamp\":\"yesterday\"}",
        "{\"type\":\"user\",\"message\":{\"content\":[1,2,{\"a\":null}]}}",
        "{\"type\":\"user\"} {\"type\":\"user\"}",
        "{\"type\":\"user\",",
        "[1,2]",
        "{\"type\":7}",
        "{\"type\":\"summary\",\"isSidechain\":\"yes\"}")) {
      if (assertAgrees(f, line)) {
        decided++;
      }
    }
    assertThat(decided).isGreaterThanOrEqualTo(6);
  }

  @Test
  void timestampsAreReadAsInstantParseReadsThem() {
    for (String t : List.of("2026-02-16T18:46:55.028Z", "2026-02-16T18:46:55Z",
        "2026-02-16T18:46:55.1Z", "2026-02-16T18:46:55.123456789Z", "2024-02-29T00:00:00.000Z",
        "2025-02-29T00:00:00.000Z", "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z",
        "2026-01-01T23:59:60Z", "2026-01-01T10:00:00+02:00", "2026-01-01T10:00:00.Z",
        "2026-01-01T10:00:00.1234567890Z", "2026-1-01T10:00:00Z", "yesterday", "")) {
      java.time.Instant expected;
      try {
        expected = java.time.Instant.parse(t);
      } catch (java.time.format.DateTimeParseException e) {
        expected = null;
      }
      assertThat(TranscriptLineParser.instant(t)).as(t).isEqualTo(expected);
    }
  }
}
