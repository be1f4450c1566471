package dev.tokenmeter.ingest.babysitter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.fuzz.Bounded;
import dev.tokenmeter.fuzz.Mutator;
import dev.tokenmeter.fuzz.Seeds;
import dev.tokenmeter.ingest.IngestError;
import dev.tokenmeter.usage.IdempotencyKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzing of the babysitter journal reader (docs/reliability.md): a real run's journal
 * entries, one of them mutated, between two good entries (or as the newest file).
 */
class JournalFuzzTest {

  static final List<byte[]> SEEDS = Seeds.journalEntries();
  static final String FIRST = "000001.01KH507H05CP4B3WNZEANH83VK.json";
  static final String FUZZED = "000002.01KH507JEPHP8TNQK91GK0E5YB.json";
  static final String LAST = "000003.01KH508H6X7N3AA8W4CV01CP8P.json";
  static Path base;
  static int runs;

  @BeforeContainer
  static void start() throws Exception {
    base = Files.createTempDirectory("journal-fuzz");
  }

  @AfterContainer
  static void stop() throws Exception {
    try (var s = Files.walk(base)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    System.out.println(Bounded.report("journal"));
  }

  record Entry(byte[] bytes, boolean newest) {
    @Override
    public String toString() {
      String s = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
      return (newest ? "newest " : "") + s.substring(0, Math.min(s.length(), 3000));
    }
  }

  @Provide
  Arbitrary<Entry> entries() {
    Arbitrary<byte[]> mutated = Combinators.combine(Arbitraries.of(SEEDS), Mutator.mutations()).as(Mutator::apply);
    Arbitrary<byte[]> bytes = Arbitraries.frequencyOf(
        Tuple.of(9, mutated),
        Tuple.of(1, Mutator.jsonish().map(s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8))),
        Tuple.of(1, Mutator.noise()));
    return Combinators.combine(bytes, Arbitraries.of(false, false, false, true)).as(Entry::new);
  }

  static byte[] good(String key) throws Exception {
    ObjectMapper m = new ObjectMapper();
    ObjectNode e = m.createObjectNode();
    e.put("type", "COST_TRACKED");
    e.put("recordedAt", "2026-02-16T18:46:55.028Z");
    ObjectNode d = e.putObject("data");
    d.put("model", "claude-sonnet-4-5");
    d.put("inputTokens", 10);
    d.put("outputTokens", 20);
    d.put("idempotencyKey", key);
    return m.writerWithDefaultPrettyPrinter().writeValueAsBytes(e);
  }

  /**
   * Never throws and never hangs; a bad entry is one error naming its file (and the field when it
   * is one) and counts nothing; the good entries around it are all read, and the reader moves past
   * it (only a newest entry that ends early is left for the next read, silently).
   */
  @Property
  void badEntryIsOneNamedErrorAndCountsNothing(@ForAll("entries") Entry entry) throws Exception {
    Path run = base.resolve("run-" + runs++);
    Path journal = Files.createDirectories(run.resolve("journal"));
    Files.write(journal.resolve(FIRST), good("fuzz-first"));
    Files.write(journal.resolve(FUZZED), entry.bytes);
    if (!entry.newest) {
      Files.write(journal.resolve(LAST), good("fuzz-last"));
    }
    List<JournalUsage> usage = new ArrayList<>();
    List<RunEnd> ends = new ArrayList<>();
    List<IngestError> errors = new ArrayList<>();
    JournalListener listener = new JournalListener() {
      @Override
      public void usage(JournalUsage u) {
        usage.add(u);
      }

      @Override
      public void runEnded(RunEnd end) {
        ends.add(end);
      }
    };
    String last = Bounded.call(() -> new JournalReader().read(run, null, new IdempotencyKeys(1000), listener, errors::add));

    Path fuzzed = journal.resolve(FUZZED);
    List<String> keys = usage.stream().map(u -> u.event().idempotencyKey()).toList();
    assertThat(keys).contains("fuzz-first");
    for (IngestError e : errors) {
      assertThat(e.file()).as("%s", e).isEqualTo(fuzzed);
      assertThat(e.message()).isNotBlank();
      assertThat(e.line()).isGreaterThanOrEqualTo(0);
    }
    assertThat(errors).as("one error for one bad entry").hasSizeLessThanOrEqualTo(1);
    if (!errors.isEmpty()) {
      assertThat(usage).noneMatch(u -> u.file().equals(fuzzed));
      assertThat(ends).isEmpty();
    }
    if (entry.newest) {
      assertThat(last).isIn(FIRST, FUZZED); // FIRST: the newest is still being written
      if (last.equals(FIRST)) {
        assertThat(errors).isEmpty();
        assertThat(usage).hasSize(1);
      }
    } else {
      assertThat(last).isEqualTo(LAST);
      assertThat(keys).contains("fuzz-last");
    }
  }

  /** Each real entry cut at every position, in the middle of the journal. */
  @Example
  void everyTruncationIsOneErrorOrAnEntry() throws Exception {
    for (byte[] seed : SEEDS.subList(0, Math.min(3, SEEDS.size()))) {
      for (int i = 0; i <= seed.length; i += Math.max(1, seed.length / 200)) {
        badEntryIsOneNamedErrorAndCountsNothing(new Entry(java.util.Arrays.copyOf(seed, i), false));
      }
    }
  }

  // ---------------------------------------------------------------- regressions found by fuzzing

  /**
   * Found by fuzzing: Jackson threw an unchecked NumberFormatException for this number, and it
   * escaped {@link JournalReader#read}, which must never throw for bad input.
   */
  @Example
  void costTrackedWithExponent9999999999_isOneErrorWithItsLine() throws Exception {
    byte[] entry = ("{\"type\":\"COST_TRACKED\",\n\"data\":{\"model\":\"m\",\"inputTokens\":2.5e9999999999}}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    badEntryIsOneNamedErrorAndCountsNothing(new Entry(entry, false));
    Path run = base.resolve("run-" + runs++);
    Files.createDirectories(run.resolve("journal"));
    Files.write(run.resolve("journal").resolve(FUZZED), entry);
    List<IngestError> errors = new ArrayList<>();
    new JournalReader().read(run, null, new IdempotencyKeys(10), u -> {}, errors::add);
    assertThat(errors).singleElement().satisfies(e -> {
      assertThat(e.line()).isEqualTo(2);
      assertThat(e.message()).startsWith("not valid JSON: number out of range");
    });
  }

  /** Found by fuzzing (in transcripts; the same field reader): a count of 1E2147483647, a cost of 1e-999999999. */
  @Example
  void inputTokens1E2147483647_andCostUsd1eMinus999999999_areOneErrorEach() throws Exception {
    for (String data : List.of("\"inputTokens\":1E2147483647", "\"costUsd\":1e-999999999")) {
      byte[] entry = ("{\"type\":\"COST_TRACKED\",\"data\":{\"model\":\"m\"," + data + "}}")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);
      badEntryIsOneNamedErrorAndCountsNothing(new Entry(entry, false));
    }
  }

  /** The same four bytes as a journal entry: "not valid JSON", not "cannot read". */
  @Example
  void bytes00_00_01_00_areNotValidJson() throws Exception {
    Path run = base.resolve("run-" + runs++);
    Files.createDirectories(run.resolve("journal"));
    Files.write(run.resolve("journal").resolve(FUZZED), new byte[] {0, 0, 1, 0});
    Files.write(run.resolve("journal").resolve(LAST), good("fuzz-last"));
    List<IngestError> errors = new ArrayList<>();
    new JournalReader().read(run, null, new IdempotencyKeys(10), u -> {}, errors::add);
    assertThat(errors).singleElement().satisfies(e ->
        assertThat(e.message()).startsWith("not valid JSON: not UTF-8 JSON: Unsupported UCS-4"));
  }
}
