package dev.tokenmeter.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tokenmeter.fuzz.Bounded;
import dev.tokenmeter.fuzz.Mutator;
import dev.tokenmeter.fuzz.Seeds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
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
 * Fuzzing of the price book loaders (docs/reliability.md): native YAML (block style, and
 * JSON syntax for structural mutations) and LiteLLM's JSON, from the bundled book and the shared
 * copy of LiteLLM's file.
 */
class PriceFileFuzzTest {

  static final String FILE = "prices.yaml";
  static final List<String> LITELLM = Seeds.liteLlmEntries();
  static final String YAML = Seeds.defaultPricesYaml();
  /** The bundled book's models in JSON syntax, a few at a time (JSON is YAML). */
  static final List<String> NATIVE_JSON = nativeJson();
  static final PriceBook DEFAULTS = DefaultPriceBook.load();
  static Path dir;

  @BeforeContainer
  static void start() throws Exception {
    dir = Files.createTempDirectory("price-fuzz");
  }

  @AfterContainer
  static void stop() throws Exception {
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    System.out.println(Bounded.report("prices"));
  }

  static List<String> nativeJson() {
    try {
      var tree = new YAMLMapper().readTree(YAML);
      var models = tree.get("models");
      ObjectMapper json = new ObjectMapper();
      List<String> out = new ArrayList<>();
      for (int i = 0; i < models.size(); i += 3) {
        var doc = json.createObjectNode();
        doc.put("version", 1);
        doc.put("checked_on", "2026-07-24");
        var list = doc.putArray("models");
        for (int j = i; j < Math.min(models.size(), i + 3); j++) {
          list.add(models.get(j));
        }
        out.add(json.writeValueAsString(doc));
      }
      return out;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Provide
  Arbitrary<String> contents() {
    Arbitrary<String> liteLlm = Arbitraries.of(LITELLM).list().ofMinSize(1).ofMaxSize(4)
        .map(es -> "{" + String.join(",", es.stream().map(e -> e.substring(1, e.length() - 1)).toList()) + "}");
    Arbitrary<String> seeds = Arbitraries.frequencyOf(
        Tuple.of(4, liteLlm), Tuple.of(4, Arbitraries.of(NATIVE_JSON)), Tuple.of(1, Arbitraries.just(YAML)));
    Arbitrary<String> mutated = Combinators.combine(seeds, Mutator.mutations()).as(Mutator::apply);
    return Arbitraries.frequencyOf(
        Tuple.of(9, mutated),
        Tuple.of(1, Mutator.jsonish()),
        Tuple.of(1, Mutator.noise().map(n -> new String(n, StandardCharsets.UTF_8))));
  }

  /** A book, or a {@link PriceFileException} naming the file and the line or field; quickly. */
  @Property
  void loadsOrRejectsNamingFileLineAndField(@ForAll("contents") String content) throws Exception {
    LoadResult r;
    try {
      r = Bounded.call(() -> PriceBookLoader.parse(content, FILE));
    } catch (PriceFileException e) {
      assertNamed(e);
      return;
    }
    assertThat(r.book()).isNotNull();
    assertThat(r.book().source()).isEqualTo(FILE);
  }

  /** Raw bytes through the strict UTF-8 decoding the watcher uses, then the loader. */
  @Property
  void decodesAndLoadsOrRejects(@ForAll("contents") String content, @ForAll("bytes") byte[] noise) throws Exception {
    byte[] b = content.getBytes(StandardCharsets.UTF_8);
    if (noise.length > 0) {
      b = Mutator.apply(b, List.of(new Mutator.Mutation(Mutator.Kind.BYTE_NOISE, noise.length * 31, noise[0])));
    }
    byte[] bytes = b;
    try {
      Bounded.call(() -> PriceBookLoader.parse(PriceBookLoader.decode(bytes, FILE), FILE));
    } catch (PriceFileException e) {
      assertNamed(e);
    }
  }

  @Provide
  Arbitrary<byte[]> bytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(2);
  }

  /** Through the file watcher: a rejected file leaves the very same book in place, and is counted. */
  @Property
  void rejectedFileKeepsTheBook(@ForAll("contents") String content) throws Exception {
    Path file = Files.createTempFile(dir, "prices", ".yaml");
    Files.write(file, content.getBytes(StandardCharsets.UTF_8));
    // Older than the watcher's "maybe half written" window, so a bad file is rejected at once.
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
    Pricing pricing = new Pricing(DEFAULTS);
    PriceBook before = pricing.book();
    try (PriceFileWatcher w = Bounded.call(() ->
        PriceFileWatcher.builder(file, pricing).defaults(DEFAULTS).pollInterval(Duration.ofHours(1)).start())) {
      if (w.reloadErrors() > 0) {
        assertThat(pricing.book()).isSameAs(before);
        assertThat(w.reloads()).isZero();
        assertThat(w.lastError()).contains(file.toString()).doesNotContain("Exception");
      } else {
        assertThat(w.reloads()).isEqualTo(1);
        assertThat(pricing.book()).isNotSameAs(before);
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** Each LiteLLM entry alone cut at every position, and the bundled book cut at every position. */
  @Example
  void everyTruncationLoadsOrRejects() throws Exception {
    for (String s : List.of(LITELLM.get(0), NATIVE_JSON.get(0), YAML.substring(0, Math.min(YAML.length(), 1500)))) {
      for (int i = 0; i <= s.length(); i++) {
        loadsOrRejectsNamingFileLineAndField(s.substring(0, i));
      }
    }
  }

  static void assertNamed(PriceFileException e) {
    assertThat(e.getMessage()).startsWith(FILE);
    assertThat(e.problem()).isNotBlank();
    assertThat(e.line() > 0 || !e.field().isEmpty() || e.problem().equals("not UTF-8 text"))
        .as("names a line or a field: %s", e.getMessage()).isTrue();
  }

  // ---------------------------------------------------------------- regressions found by fuzzing

  /** Found by fuzzing: SnakeYAML's reader error carries a position, not a line; it had no line. */
  @Example
  void controlCharacterOnLine3_namesLine3() {
    String yaml = "version: 1\nmodels:\n  - name: a\u0001b\n";
    assertThat(catchPriceFileException(yaml))
        .satisfies(e -> assertThat(e.line()).isEqualTo(3))
        .satisfies(e -> assertThat(e.getMessage()).isEqualTo(
            "prices.yaml:3: invalid YAML: special characters are not allowed (U+0001)"));
  }

  /** Found by fuzzing: a lone high surrogate at the end of the file; it had no line. */
  @Example
  void loneHighSurrogateAtTheEnd_namesItsLine() {
    PriceFileException e = catchPriceFileException("version: 1\nmodels: []\n# \ud800");
    assertThat(e.line()).isEqualTo(3);
    assertNamed(e);
  }

  static PriceFileException catchPriceFileException(String content) {
    try {
      PriceBookLoader.parse(content, FILE);
    } catch (PriceFileException e) {
      return e;
    }
    throw new AssertionError("accepted: " + content);
  }

  /** Found by fuzzing: SnakeYAML's nesting limit (50) has no mark; the error had no line. */
  @Example
  void flowListsNested51Deep_namesTheLineOfThe51st() {
    String yaml = "version: 1\nmodels:\n" + "  - " + "[".repeat(50) + "]".repeat(50) + "\n";
    PriceFileException e = catchPriceFileException(yaml);
    assertThat(e.line()).isEqualTo(3);
    assertThat(e.problem()).startsWith("invalid YAML: Nesting Depth exceeded");
  }

  /** The other composer limit without a mark: more than 20 aliases of collections. */
  @Example
  void twentyOneAliasesOfAList_namesTheLineOfThe21st() {
    String yaml = "version: 1\na: &l [1]\nmodels:\n" + "  - *l\n".repeat(21);
    PriceFileException e = catchPriceFileException(yaml);
    assertThat(e.line()).isEqualTo(24);
    assertThat(e.problem()).contains("aliases");
  }

  /** Found by fuzzing: a price of 1e30 per million overflowed the pico-USD long (ArithmeticException). */
  @Example
  void inputPrice1e30_isOutOfRangeNamingLineAndField() {
    String yaml = "version: 1\nmodels:\n  - name: m\n    per_million: {input: 1e30, output: 1}\n";
    assertThat(catchPriceFileException(yaml).getMessage()).isEqualTo("prices.yaml:4: models[0].per_million.input: "
        + "is out of range: above 1000000000 USD per million tokens, got 1e30");
  }

  /** The same for 2.5e9999999999 (BigDecimal's NumberFormatException) and 1e-999999999 (a hang). */
  @Example
  void nativePrice2_5e9999999999_and1eMinus999999999_areRejectedQuickly() throws Exception {
    for (String price : List.of("2.5e9999999999", "1e-999999999", "1e999999999")) {
      String yaml = "version: 1\nmodels:\n  - name: m\n    per_million: {input: 1, output: " + price + "}\n";
      PriceFileException e = Bounded.call(() -> catchPriceFileException(yaml));
      assertThat(e.line()).isEqualTo(4);
      assertThat(e.field()).isEqualTo("models[0].per_million.output");
    }
  }

  /** The LiteLLM reader: the same numbers per token. */
  @Example
  void liteLlmCost2_5e9999999999_and1eMinus999999999_areRejectedQuickly() throws Exception {
    for (String price : List.of("2.5e9999999999", "1e-999999999", "1e999999999", "1e30")) {
      String json = "{\"m\": {\n\"input_cost_per_token\": 1e-6,\n\"output_cost_per_token\": " + price + "}}";
      PriceFileException e = Bounded.call(() -> catchPriceFileException(json));
      assertThat(e.line()).isEqualTo(3);
      assertThat(e.field()).isEqualTo("m.output_cost_per_token");
      assertThat(e.problem()).contains("out of range");
    }
  }

  /** Found by fuzzing: SnakeYAML threw NumberFormatException for an escape cut by the end of the file. */
  @Example
  void doubleQuotedEscapeCutAtTheEnd_namesTheLastLine() {
    PriceFileException e = catchPriceFileException("version: 1\nmodels: \"\\x");
    assertThat(e.line()).isEqualTo(2);
    assertThat(e.problem()).contains("escape sequence");
  }

  /** The Java API refuses the same prices (it would overflow or hang the same way). */
  @Example
  void pricesBuilderRefusesOutOfRangePrices() {
    for (String price : List.of("1e30", "1e-999999999")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Prices.builder()
              .input(java.math.BigDecimal.ONE).output(new java.math.BigDecimal(price)).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("output price is out of range");
    }
  }

  /** Found by fuzzing: scaling 1E2147483647 per token to per million overflowed the scale. */
  @Example
  void liteLlmCost1E2147483647_isOutOfRange() {
    String json = "{\"m\": {\"input_cost_per_token\": 1E2147483647, \"output_cost_per_token\": 1e-6}}";
    assertThat(catchPriceFileException(json).getMessage())
        .isEqualTo("prices.yaml:1: m.input_cost_per_token: per million tokens is out of range, got 1E2147483647");
  }

  /** Found by fuzzing: an entry named "" reached ModelPrice's IllegalArgumentException. */
  @Example
  void liteLlmEntryNamedEmpty_isRejectedWithItsLine() {
    String json = "{\"m\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 1e-6},\n"
        + "\"\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 1e-6}}";
    assertThat(catchPriceFileException(json).getMessage()).isEqualTo("prices.yaml:2: a model entry with an empty name");
  }

  /** Found by reading the tier code beside it: "_above_0k_tokens" reached ModelPrice's IllegalArgumentException. */
  @Example
  void liteLlmTierAbove0kTokens_isIgnored() {
    String json = "{\"m\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 2e-6,"
        + " \"input_cost_per_token_above_0k_tokens\": 3e-6, \"output_cost_per_token_above_0k_tokens\": 4e-6}}";
    LoadResult r = PriceBookLoader.parse(json, FILE);
    assertThat(r.loaded()).isEqualTo(1);
  }
}
