package dev.tokenmeter.ingest.babysitter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes run directories in the babysitter layout, pretty-printed like the SDK does. */
final class JournalFixture {

  /** A fixed ULID: the tests care about the sequence prefix only. */
  static final String ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

  private JournalFixture() {}

  static Path run(Path runsDir, String runId) throws IOException {
    Path run = runsDir.resolve(runId);
    Files.createDirectories(run.resolve("journal"));
    return run;
  }

  static Path entry(Path run, int seq, String type, String data) throws IOException {
    return raw(run, seq, "{\n  \"type\": \"" + type + "\",\n  \"recordedAt\": \"2026-12-04T15:37:50.247Z\",\n"
        + "  \"data\": " + data + ",\n  \"checksum\": \"00\"\n}\n");
  }

  static Path raw(Path run, int seq, String content) throws IOException {
    Path f = run.resolve("journal").resolve(String.format("%06d.%s.json", seq, ULID));
    Files.writeString(f, content, StandardCharsets.UTF_8);
    return f;
  }

  static void task(Path run, String effectId, String json) throws IOException {
    Path dir = run.resolve("tasks").resolve(effectId);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("task.json"), json, StandardCharsets.UTF_8);
  }
}
