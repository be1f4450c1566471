package dev.tokenmeter.ingest.babysitter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.ingest.IngestError;
import dev.tokenmeter.usage.IdempotencyKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad journal entries: each reported once with file and line; the good ones around it counted. */
class BadJournalInputTest {

  @TempDir
  Path runs;

  private Path run;
  private final IdempotencyKeys seen = new IdempotencyKeys(100);
  private final List<JournalUsage> usage = new ArrayList<>();
  private final List<IngestError> errors = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    run = JournalFixture.run(runs, "r1");
  }

  private String read(String after) {
    return new JournalReader().read(run, after, seen, usage::add, errors::add);
  }

  private List<Long> outputs() {
    return usage.stream().map(u -> u.event().tokens().output()).toList();
  }

  private static String cost(int output) {
    return "{\"model\":\"m\",\"outputTokens\":" + output + "}";
  }

  @Test
  void newestEntryHalfWrittenIsRetriedNotReported() throws IOException {
    JournalFixture.entry(run, 1, "COST_TRACKED", cost(1));
    Path second = JournalFixture.raw(run, 2, "{\n  \"type\": \"COST_TRACKED\",\n  \"data\": {\"mo");
    String cursor = read(null);
    assertThat(errors).isEmpty();
    assertThat(outputs()).containsExactly(1L);
    assertThat(cursor).startsWith("000001.");
    Files.delete(second);
    JournalFixture.entry(run, 2, "COST_TRACKED", cost(2));
    cursor = read(cursor);
    assertThat(errors).isEmpty();
    assertThat(outputs()).containsExactly(1L, 2L);
    assertThat(cursor).startsWith("000002.");
  }

  @Test
  void olderEntryCutShortIsAnError() throws IOException {
    Path cut = JournalFixture.raw(run, 1, "{\n  \"type\": \"COST_TRACKED\",\n  \"data\": {\"mo");
    JournalFixture.entry(run, 2, "COST_TRACKED", cost(2));
    read(null);
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).file()).isEqualTo(cut);
    assertThat(errors.get(0).line()).isEqualTo(3);
    assertThat(errors.get(0).message()).startsWith("entry ends early");
    assertThat(outputs()).containsExactly(2L);
  }

  @Test
  void notJsonAndTwoObjects() throws IOException {
    Path garbage = JournalFixture.raw(run, 1, "not json at all\n");
    Path two = JournalFixture.raw(run, 2, "{\"type\":\"RUN_CREATED\"}\n{\"type\":\"RUN_CREATED\"}\n");
    JournalFixture.entry(run, 3, "COST_TRACKED", cost(3));
    read(null);
    assertThat(errors).extracting(IngestError::file).containsExactly(garbage, two);
    assertThat(errors).extracting(IngestError::line).containsExactly(1L, 2L);
    assertThat(errors).allSatisfy(e -> assertThat(e.message()).startsWith("not valid JSON"));
    assertThat(outputs()).containsExactly(3L);
  }

  @Test
  void badFieldsNameTheFieldAndItsLine() throws IOException {
    Path negative = JournalFixture.entry(run, 1, "COST_TRACKED",
        "{\n    \"model\": \"m\",\n    \"inputTokens\": -3\n  }");
    Path noModel = JournalFixture.entry(run, 2, "COST_TRACKED", "{\"inputTokens\": 3}");
    Path wrongType = JournalFixture.entry(run, 3, "COST_TRACKED",
        "{\"model\": \"m\", \"cacheReadTokens\": \"many\"}");
    Path noType = JournalFixture.raw(run, 4, "{\"data\": {}}");
    JournalFixture.entry(run, 5, "SOMETHING_NEW", "{\"inputTokens\": -1}"); // unknown: ignored
    JournalFixture.entry(run, 6, "COST_TRACKED", cost(6));
    read(null);
    assertThat(errors).extracting(IngestError::toString).containsExactly(
        negative + ":6: data.inputTokens must not be negative, got -3",
        noModel + ":4: data.model is missing", // the line of "data",
        wrongType + ":4: data.cacheReadTokens must be a whole number, got \"many\"",
        noType + ":0: type is missing".replace(":0:", ":"));
    assertThat(outputs()).containsExactly(6L);
  }

  @Test
  void oversizedEntryIsSkipped() throws IOException {
    Path big = JournalFixture.entry(run, 1, "COST_TRACKED",
        "{\"model\":\"m\",\"pad\":\"" + "x".repeat(10 << 20) + "\"}");
    JournalFixture.entry(run, 2, "COST_TRACKED", cost(2));
    read(null);
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).file()).isEqualTo(big);
    assertThat(errors.get(0).message()).contains("over the limit");
    assertThat(outputs()).containsExactly(2L);
  }

  @Test
  void missingJournalDirectoryIsReportedOnce() throws IOException {
    Path empty = Files.createDirectories(runs.resolve("r2"));
    new JournalReader().read(empty, null, seen, usage::add, errors::add);
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).file()).isEqualTo(empty.resolve("journal"));
  }
}
