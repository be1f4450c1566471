package dev.tokenmeter.ingest.claude;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tokenmeter.fuzz.Bounded;
import dev.tokenmeter.fuzz.Mutator;
import dev.tokenmeter.fuzz.Seeds;
import dev.tokenmeter.ingest.IngestError;
import dev.tokenmeter.ingest.InvalidField;
import dev.tokenmeter.ingest.Position;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzing of the Claude Code transcript reader (docs/reliability.md): real transcript
 * lines, mutated, through the byte-level fast path, the tree parser, and the whole reader with
 * its line splitting.
 */
class TranscriptFuzzTest {

  static final List<String> SEEDS = Seeds.transcriptLines();
  static final String GOOD_FIRST = line("msg_fuzz_first");
  static final String GOOD_LAST = line("msg_fuzz_last");
  static Path dir;
  static int files;

  @BeforeContainer
  static void start() throws Exception {
    dir = Files.createTempDirectory("transcript-fuzz");
  }

  @AfterContainer
  static void stop() throws Exception {
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    System.out.println(Bounded.report("transcript"));
  }

  static String line(String id) {
    return "{\"type\":\"assistant\",\"sessionId\":\"s1\",\"timestamp\":\"2026-02-16T18:46:55.028Z\","
        + "\"message\":{\"id\":\"" + id + "\",\"model\":\"claude-sonnet-4-5\",\"usage\":"
        + "{\"input_tokens\":3,\"output_tokens\":5}}}";
  }

  record Line(byte[] bytes) {
    @Override
    public String toString() {
      String s = new String(bytes, StandardCharsets.UTF_8);
      return s.substring(0, Math.min(s.length(), 3000));
    }
  }

  @Provide
  Arbitrary<Line> lines() {
    Arbitrary<byte[]> seeds = Arbitraries.of(SEEDS).map(s -> s.getBytes(StandardCharsets.UTF_8));
    Arbitrary<byte[]> mutated = Combinators.combine(seeds, Mutator.mutations()).as(Mutator::apply);
    return Arbitraries.frequencyOf(
            Tuple.of(9, mutated),
            Tuple.of(1, Mutator.jsonish().map(s -> s.getBytes(StandardCharsets.UTF_8))),
            Tuple.of(1, Mutator.noise()))
        .map(Line::new);
  }

  /** What the tree parser makes of a line: the call, "none", or the error; nothing else escapes. */
  static String tree(TranscriptFile f, byte[] b) throws Exception {
    try {
      return describe(TranscriptReader.parseTree(f, b, b.length, 7));
    } catch (InvalidField | JsonProcessingException e) {
      assertThat(e.getMessage()).isNotBlank();
      return "error: " + e.getMessage();
    }
  }

  static String describe(ClaudeCall c) {
    return c == null ? "none" : c + " cost=" + c.reportedCostUsd() + " at=" + c.timestamp() + " run=" + c.run()
        + " line=" + c.line();
  }

  /** The fast path decides a line exactly as the tree parser does, or leaves it to it. */
  @Property
  void fastPathAgreesWithTreeParser(@ForAll("lines") Line line) throws Exception {
    TranscriptFile f = TranscriptFile.session(Path.of("/p/-x/s.jsonl"));
    byte[] b = line.bytes;
    String expected = Bounded.call(() -> tree(f, b));
    ClaudeCall fast = Bounded.call(() -> TranscriptLineParser.parse(f, b, b.length, 7));
    if (fast != TranscriptLineParser.UNSURE) {
      assertThat(describe(fast)).isEqualTo(expected);
    }
  }

  /**
   * Through the reader and its line splitting: a bad line is one error with the file and its
   * line, counts nothing, and the good lines around it are read; no parser failure is hidden as an
   * "internal error".
   */
  @Property
  void badLineIsOneErrorWithFileAndLine(@ForAll("lines") Line line) throws Exception {
    byte[] b = line.bytes.clone();
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '\n') {
        b[i] = ' '; // one line: noise with newlines is the other property's
      }
    }
    Path file = dir.resolve("f" + files++ + ".jsonl");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write((GOOD_FIRST + "\n").getBytes(StandardCharsets.UTF_8));
    out.write(b);
    out.write(("\n" + GOOD_LAST + "\n").getBytes(StandardCharsets.UTF_8));
    Files.write(file, out.toByteArray());
    List<ClaudeCall> calls = new ArrayList<>();
    List<IngestError> errors = new ArrayList<>();
    Position end = Bounded.call(() -> new TranscriptReader().read(TranscriptFile.session(file), Position.START,
        calls::add, errors::add));
    Files.delete(file);

    assertThat(end).isEqualTo(Position.of(out.size(), 3));
    assertThat(errors).hasSizeLessThanOrEqualTo(1);
    for (IngestError e : errors) {
      assertThat(e.file()).isEqualTo(file);
      assertThat(e.line()).isEqualTo(2);
      assertThat(e.message()).isNotBlank().doesNotStartWith("internal error");
      assertThat(calls).noneMatch(c -> c.line() == 2);
    }
    assertThat(calls).anyMatch(c -> c.line() == 1 && c.key().equals("msg_fuzz_first"));
    assertThat(calls).anyMatch(c -> c.line() == 3 && c.key().equals("msg_fuzz_last"));
  }

  /** Whole files of mutated lines and noise: never an exception, errors within the file's lines. */
  @Property
  void anyFileIsReadWithinItsLines(@ForAll @Size(max = 8) List<@From("lines") Line> lines) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Line l : lines) {
      out.write(l.bytes);
      out.write('\n');
    }
    Path file = dir.resolve("f" + files++ + ".jsonl");
    Files.write(file, out.toByteArray());
    long newlines = 0;
    for (byte x : out.toByteArray()) {
      newlines += x == '\n' ? 1 : 0;
    }
    List<IngestError> errors = new ArrayList<>();
    List<ClaudeCall> calls = new ArrayList<>();
    Position end = Bounded.call(() -> new TranscriptReader().read(TranscriptFile.session(file), Position.START,
        calls::add, errors::add));
    Files.delete(file);
    assertThat(end).isEqualTo(Position.of(out.size(), newlines));
    for (IngestError e : errors) {
      assertThat(e.line()).isBetween(1L, newlines);
      assertThat(e.message()).isNotBlank().doesNotStartWith("internal error");
    }
    assertThat(errors.stream().map(IngestError::line).distinct().count()).isEqualTo(errors.size());
  }

  /** Each real usage line cut at every position. */
  @Example
  void everyTruncationAgrees() throws Exception {
    for (String seed : SEEDS.subList(0, Math.min(5, SEEDS.size()))) {
      byte[] b = seed.getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i <= b.length; i++) {
        fastPathAgreesWithTreeParser(new Line(java.util.Arrays.copyOf(b, i)));
      }
    }
  }

  // ---------------------------------------------------------------- regressions found by fuzzing

  /** Found by fuzzing: the tree parser let Jackson's NumberFormatException out ("internal error"). */
  @Example
  void usageWithExponent9999999999_isAParseErrorNotAnInternalError() throws Exception {
    String bad = line("msg_x").replace("\"input_tokens\":3", "\"input_tokens\":2.5e9999999999");
    badLineIsOneErrorWithFileAndLine(new Line(bad.getBytes(StandardCharsets.UTF_8)));
    byte[] b = bad.getBytes(StandardCharsets.UTF_8);
    assertThat(tree(TranscriptFile.session(Path.of("/p/-x/s.jsonl")), b))
        .startsWith("error: number out of range").contains("column");
  }

  /** Found by fuzzing: a whole number with a huge exponent overflowed BigInteger ("internal error"). */
  @Example
  void inputTokens1E2147483647_isTooLargeNotAnInternalError() throws Exception {
    String bad = line("msg_x").replace("\"input_tokens\":3", "\"input_tokens\":1E2147483647");
    badLineIsOneErrorWithFileAndLine(new Line(bad.getBytes(StandardCharsets.UTF_8)));
    assertThat(tree(TranscriptFile.session(Path.of("/p/-x/s.jsonl")), bad.getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("error: message.usage.input_tokens is too large: 1E+2147483647 (at most 1000000000)");
  }

  /**
   * Found by fuzzing: for costUSD 0.0 the fast path reported 0.0 and the tree parser 0 (Jackson's
   * tree drops trailing zeros of decimals); and amounts like 1e-999999999 passed, which summing in
   * tokens:stats would expand into a billion digits.
   */
  @Example
  void costUsd0_0_andOtherSpellings_agreeBetweenFastPathAndTree() throws Exception {
    TranscriptFile f = TranscriptFile.session(Path.of("/p/-x/s.jsonl"));
    for (String cost : List.of("0.0", "0.0120", "1.50", "100", "0", "1e2", "10.0", "0e5", "1.0E-3", "-0.0",
        "1e-999999999", "1e999999999", "1e15", "0.0000000000000000000000001")) {
      byte[] b = line("msg_x").replace("{\"type\"", "{\"costUSD\":" + cost + ",\"type\"")
          .getBytes(StandardCharsets.UTF_8);
      fastPathAgreesWithTreeParser(new Line(b));
      assertThat(TranscriptLineParser.parse(f, b, b.length, 7)).as(cost).isNotNull();
    }
    byte[] tiny = line("msg_x").replace("{\"type\"", "{\"costUSD\":1e-999999999,\"type\"")
        .getBytes(StandardCharsets.UTF_8);
    assertThat(tree(f, tiny)).isEqualTo("error: costUSD is out of range, got 1E-999999999");
  }

  /**
   * Found by fuzzing (differential): the fast path skips numbers it does not read, so it counted a
   * line that the tree parser refuses for an exponent past an int in some other field.
   */
  @Example
  void exponent9999999999InAnUnreadField_isRefusedByBothPaths() throws Exception {
    byte[] b = line("msg_x").replace("{\"type\"", "{\"other\":2.5e9999999999,\"type\"")
        .getBytes(StandardCharsets.UTF_8);
    fastPathAgreesWithTreeParser(new Line(b));
    assertThat(TranscriptLineParser.parse(TranscriptFile.session(Path.of("/p/-x/s.jsonl")), b, b.length, 7))
        .isSameAs(TranscriptLineParser.UNSURE);
  }

  /** The same overflow as through HTTP: counts above TokenCounts.MAX_PER_EVENT are refused. */
  @Example
  void inputTokens9223372036854775807_isTooLarge() throws Exception {
    String bad = line("msg_x").replace("\"input_tokens\":3", "\"input_tokens\":9223372036854775807");
    badLineIsOneErrorWithFileAndLine(new Line(bad.getBytes(StandardCharsets.UTF_8)));
    assertThat(tree(TranscriptFile.session(Path.of("/p/-x/s.jsonl")), bad.getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("error: message.usage.input_tokens is too large: 9223372036854775807 (at most 1000000000)");
  }

  /**
   * Found by the long run: Jackson took the bytes 00 00 01 00 for UTF-32 of an unsupported byte
   * order and threw CharConversionException, an IOException that the reader reported as an I/O
   * problem; it is a line that is not UTF-8 JSON.
   */
  @Example
  void bytes00_00_01_00_areNotUtf8Json() throws Exception {
    byte[] b = {0, 0, 1, 0};
    fastPathAgreesWithTreeParser(new Line(b));
    assertThat(tree(TranscriptFile.session(Path.of("/p/-x/s.jsonl")), b))
        .startsWith("error: not UTF-8 JSON: Unsupported UCS-4 endianness (2143)");
    badLineIsOneErrorWithFileAndLine(new Line(b));
  }
}
