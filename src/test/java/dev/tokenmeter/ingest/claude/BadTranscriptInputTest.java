package dev.tokenmeter.ingest.claude;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.ingest.Directories;
import dev.tokenmeter.ingest.IngestError;
import dev.tokenmeter.ingest.Position;
import dev.tokenmeter.ingest.stats.StatsQuery;
import dev.tokenmeter.ingest.stats.TokenStats;
import dev.tokenmeter.ingest.stats.TokenStatsScanner;
import dev.tokenmeter.usage.TokenCounts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of bad input: reported once with file and line, nothing good around it lost, nothing
 * counted twice.
 */
class BadTranscriptInputTest {

  @TempDir
  Path projects;

  private Path session;
  private final List<ClaudeCall> calls = new ArrayList<>();
  private final List<IngestError> errors = new ArrayList<>();
  private final TranscriptReader reader = new TranscriptReader();

  @BeforeEach
  void setUp() throws IOException {
    Files.createDirectories(projects.resolve("-p"));
    session = projects.resolve("-p").resolve("s1.jsonl");
  }

  private Position read(Position from) {
    return reader.read(TranscriptFile.session(session), from, calls::add, errors::add);
  }

  private void write(String... lines) throws IOException {
    Files.writeString(session, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
  }

  private List<String> keys() {
    return calls.stream().map(ClaudeCall::key).toList();
  }

  private void assertOneError(long line, String text) {
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).file()).isEqualTo(session);
    assertThat(errors.get(0).line()).isEqualTo(line);
    assertThat(errors.get(0).message()).contains(text);
  }

  @Test
  void unterminatedLastLineIsRetriedNotAnError() throws IOException {
    String third = Lines.assistant("m3", "r3", 1, 3);
    Files.writeString(session, Lines.assistant("m1", "r1", 1, 1) + "\n"
        + Lines.assistant("m2", "r2", 1, 2) + "\n" + third.substring(0, 40));
    Position p = read(Position.START);
    assertThat(errors).isEmpty();
    assertThat(keys()).containsExactly("m1/r1", "m2/r2");
    assertThat(p.lines()).isEqualTo(2);
    // the writer finishes the line; the tailer goes on from where it stopped
    Files.writeString(session, third.substring(40) + "\n", java.nio.file.StandardOpenOption.APPEND);
    p = read(p);
    assertThat(errors).isEmpty();
    assertThat(keys()).containsExactly("m1/r1", "m2/r2", "m3/r3");
    assertThat(p.lines()).isEqualTo(3);
    assertThat(p.offset()).isEqualTo(Files.size(session));
    assertThat(calls.get(2).line()).isEqualTo(3);
  }

  @Test
  void lineThatIsNotJson() throws IOException {
    write(Lines.assistant("m1", "r1", 1, 1), "{\"type\":\"assistant\", oops", Lines.assistant("m2", "r2", 1, 2));
    read(Position.START);
    assertOneError(2, "not valid JSON");
    assertThat(keys()).containsExactly("m1/r1", "m2/r2");
  }

  @Test
  void twoObjectsOnOneLine() throws IOException {
    write(Lines.assistant("m1", "r1", 1, 1),
        Lines.assistant("m2", "r2", 1, 2) + Lines.assistant("m3", "r3", 1, 3),
        Lines.assistant("m4", "r4", 1, 4));
    read(Position.START);
    assertOneError(2, "not valid JSON");
    assertThat(keys()).containsExactly("m1/r1", "m4/r4");
  }

  @Test
  void unknownTypesAreIgnored() throws IOException {
    write(Lines.user(), "{\"type\":\"some-future-kind\",\"data\":{}}", "{\"type\":\"summary\"}",
        Lines.assistant("m1", "r1", 1, 1));
    read(Position.START);
    assertThat(errors).isEmpty();
    assertThat(keys()).containsExactly("m1/r1");
  }

  @Test
  void missingAndWronglyTypedFields() throws IOException {
    String good = Lines.assistant("m1", "r1", 1, 1);
    write(
        good,
        good.replace("\"model\":\"claude-sonnet-4-5-20250929\",", ""),          // 2 no model
        good.replace("\"input_tokens\":1", "\"input_tokens\":\"12\""),          // 3 string count
        good.replace("\"output_tokens\":1", "\"output_tokens\":1.5"),           // 4 fraction
        good.replace("\"isSidechain\":false", "\"isSidechain\":\"no\""),        // 5 not a boolean
        good.replace("2026-01-02T03:04:05.000Z", "yesterday"),                  // 6 bad time
        "{\"type\":\"assistant\",\"message\":\"text\"}",                        // 7 message not an object
        "{\"message\":{}}",                                                     // 8 no type
        "[1,2]",                                                                // 9 not an object
        good.replace("\"id\":\"m1\",", ""),                                     // 10 no id
        Lines.assistant("m2", "r2", 2, 2));
    read(Position.START);
    assertThat(errors).extracting(IngestError::line).containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(errors).extracting(IngestError::message).containsExactly(
        "message.model is missing",
        "message.usage.input_tokens must be a whole number, got \"12\"",
        "message.usage.output_tokens must be a whole number, got 1.5",
        "isSidechain must be true or false, got \"no\"",
        "timestamp is not an ISO-8601 time: \"yesterday\"",
        "message must be an object, got \"text\"",
        "type is missing",
        "line is not a JSON object",
        "message.id is missing, so its copies cannot be told apart");
    assertThat(keys()).containsExactly("m1/r1", "m2/r2");
  }

  @Test
  void negativeNumbers() throws IOException {
    write(Lines.assistant("m1", "r1", -5, 1), Lines.assistant("m2", "r2", 1, 2));
    read(Position.START);
    assertOneError(1, "message.usage.input_tokens must not be negative, got -5");
    assertThat(keys()).containsExactly("m2/r2");
  }

  @Test
  void syntheticLinesWithoutUsageAreNotCalls() throws IOException {
    write(Lines.assistant("m0", "r0", "<synthetic>", 0, 0, false), Lines.assistant("m1", "r1", 1, 1));
    read(Position.START);
    assertThat(errors).isEmpty();
    assertThat(keys()).containsExactly("m1/r1");
  }

  @Test
  void tenMegabyteLineIsSkippedInBoundedMemory() throws IOException {
    char[] big = new char[10 << 20];
    Arrays.fill(big, 'x');
    String huge = "{\"type\":\"user\",\"text\":\"" + new String(big) + "\"}";
    write(Lines.assistant("m1", "r1", 1, 1), huge, Lines.assistant("m2", "r2", 1, 2));
    Position p = read(Position.START);
    assertOneError(2, "over the limit of 8388608");
    assertThat(keys()).containsExactly("m1/r1", "m2/r2");
    assertThat(p.lines()).isEqualTo(3);
    assertThat(calls.get(1).line()).isEqualTo(3);
  }

  @Test
  void fileDeletedBeforeItIsRead() throws IOException {
    write(Lines.assistant("m1", "r1", 1, 1));
    Path other = projects.resolve("-p").resolve("s2.jsonl");
    Files.writeString(other, Lines.assistant("m2", "r2", 1, 2) + "\n");
    List<IngestError> scanErrors = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    ClaudeProjects.scan(projects, scanErrors::add, (dir, files) -> {
      for (TranscriptFile f : files) {
        try {
          Files.deleteIfExists(session); // gone between listing and reading
        } catch (IOException e) {
          throw new AssertionError(e);
        }
        reader.read(f, Position.START, c -> keys.add(c.key()), scanErrors::add);
      }
    });
    assertThat(scanErrors).hasSize(1);
    assertThat(scanErrors.get(0).file()).isEqualTo(session);
    assertThat(scanErrors.get(0).message()).contains("disappeared");
    assertThat(keys).containsExactly("m2/r2");
  }

  @Test
  void fileDeletedWhileBeingReadKeepsWhatWasOpened() throws IOException {
    write(Lines.assistant("m1", "r1", 1, 1), Lines.assistant("m2", "r2", 1, 2));
    reader.read(TranscriptFile.session(session), Position.START, c -> {
      calls.add(c);
      try {
        Files.deleteIfExists(session); // POSIX: the open file stays readable
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }, errors::add);
    assertThat(errors).isEmpty();
    assertThat(keys()).containsExactly("m1/r1", "m2/r2");
  }

  @Test
  void symlinkLoopsAreReportedOnceAndDoNotRecurse() throws IOException {
    write(Lines.assistant("m1", "r1", 1, 1));
    Path slug = projects.resolve("-p");
    // a directory link back up (would recurse forever if followed blindly)
    Files.createSymbolicLink(projects.resolve("-loop"), projects);
    Files.createSymbolicLink(slug.resolve("s9"), slug);
    // two file links that point at each other
    Files.createSymbolicLink(slug.resolve("a.jsonl"), slug.resolve("b.jsonl"));
    Files.createSymbolicLink(slug.resolve("b.jsonl"), slug.resolve("a.jsonl"));
    TokenStats s = TokenStatsScanner.scan(StatsQuery.builder().claudeDir(projects).build());
    assertThat(s.totals().calls()).isEqualTo(1);
    assertThat(s.errors()).extracting(e -> projects.relativize(e.file()).toString())
        .containsExactlyInAnyOrder("-loop", "-p/a.jsonl", "-p/b.jsonl");
    assertThat(s.errors()).allSatisfy(e -> assertThat(e.line()).isZero());
  }

  @Test
  void directoryWithoutPermission() throws IOException {
    write(Lines.assistant("m1", "r1", 1, 1));
    Path locked = Files.createDirectories(projects.resolve("-locked"));
    Files.writeString(locked.resolve("s2.jsonl"), Lines.assistant("m2", "r2", 1, 2) + "\n");
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
    try {
      // root reads through any permission, so the case cannot happen here; see the next test
      Assumptions.assumeFalse(Files.isReadable(locked), "running as root: permissions bypassed");
      TokenStats s = TokenStatsScanner.scan(StatsQuery.builder().claudeDir(projects).build());
      assertThat(s.totals().calls()).isEqualTo(1);
      assertThat(s.errors()).hasSize(1);
      assertThat(s.errors().get(0).file()).isEqualTo(locked);
      assertThat(s.errors().get(0).message()).contains("cannot list directory");
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
    }
  }

  /**
   * The same failure path without relying on permissions (which root bypasses): a listing that
   * fails with an I/O error is reported once and the scan goes on.
   */
  @Test
  void directoryThatCannotBeListed() throws IOException {
    Path notADirectory = Files.writeString(projects.resolve("plain-file"), "x");
    List<IngestError> got = new ArrayList<>();
    assertThat(new Directories(got::add).list(notADirectory)).isEmpty();
    assertThat(got).hasSize(1);
    assertThat(got.get(0).file()).isEqualTo(notADirectory);
    assertThat(got.get(0).message()).startsWith("cannot list directory: NotDirectoryException");
  }

  @Test
  void streamedCopiesAcrossFilesCountOnceWithTheLargestUsage() throws IOException {
    Path sub = Files.createDirectories(projects.resolve("-p/s1/subagents"));
    Files.writeString(sub.resolve("agent-a1.meta.json"), "{\"agentType\":\"Explore\"}");
    Files.writeString(sub.resolve("agent-a1.jsonl"),
        Lines.assistant("m9", "r9", "claude-sonnet-4-5-20250929", 5, 1, true) + "\n"
            + Lines.assistant("m9", "r9", "claude-sonnet-4-5-20250929", 5, 40, true) + "\n");
    // the parent replays the sidechain inline, and streams its own response twice
    write(Lines.assistant("m9", "r9", "claude-sonnet-4-5-20250929", 5, 40, true),
        Lines.assistant("m1", "r1", 3, 1), Lines.assistant("m1", "r1", 3, 7));
    TokenStats s = TokenStatsScanner.scan(StatsQuery.builder().claudeDir(projects)
        .groupBy(dev.tokenmeter.ingest.stats.Dimension.parseList("subagent")).build());
    assertThat(s.errors()).isEmpty();
    assertThat(s.totals().calls()).isEqualTo(2);
    assertThat(s.totals().tokens()).isEqualTo(TokenCounts.of(8, 47, 0, 0, 0));
    assertThat(s.groups()).extracting(r -> r.key().values().iterator().next() + "=" + r.calls())
        .containsExactly("Explore=1", "main=1");
  }
}
