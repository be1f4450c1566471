package dev.tokenmeter.ingest.claude;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.ingest.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

  static void assertAgrees(TranscriptFile f, String line) {
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    ClaudeCall fast = TranscriptLineParser.parse(f, b, b.length, 7);
    String expected = tree(f, line);
    if (fast == TranscriptLineParser.UNSURE) {
      return;
    }
    assertThat(describe(fast)).as(line).isEqualTo(expected);
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
    for (String line : List.of(
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
      assertAgrees(f, line);
    }
  }
}
