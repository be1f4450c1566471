package dev.tokenmeter.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class PriceBookMatchingTest {

  private final PriceBook book = DefaultPriceBook.load();

  @Test
  void exactAliasDateProviderRegionAndRegex() {
    assertThat(book.find("claude-sonnet-4-5").name()).isEqualTo("claude-sonnet-4-5");
    assertThat(book.find("CLAUDE-SONNET-4-5").name()).isEqualTo("claude-sonnet-4-5");
    assertThat(book.find("claude-4-opus").name()).isEqualTo("claude-opus-4"); // alias
    assertThat(book.find("claude-opus-4-20250514").name()).isEqualTo("claude-opus-4"); // date
    assertThat(book.find("claude-opus-4-5-20251101").name()).isEqualTo("claude-opus-4-5");
    assertThat(book.find("anthropic/claude-haiku-4-5").name()).isEqualTo("claude-haiku-4-5"); // provider
    assertThat(book.find("us.anthropic.claude-sonnet-4-5-20250929-v1:0").name()).isEqualTo("claude-sonnet-4-5");
    assertThat(book.find("claude-3-5-sonnet@20240620").name()).isEqualTo("claude-3-5-sonnet");
    assertThat(book.find("gpt-4o-2024-08-06").name()).isEqualTo("gpt-4o");
    assertThat(book.find("gpt-4o-2024-05-13").name()).isEqualTo("gpt-4o-2024-05-13"); // exact beats date
    // regex: suffixes the stripping rules do not know
    assertThat(book.find("claude-sonnet-4-5-thinking").name()).isEqualTo("claude-sonnet-4-5");
    assertThat(book.find("claude-opus-4-latest").name()).isEqualTo("claude-opus-4");
    assertThat(book.find("claude-3.7-sonnet").name()).isEqualTo("claude-3-7-sonnet");
    assertThat(book.find("publishers/google/models/gemini-2.5-pro").name()).isEqualTo("gemini-2.5-pro");
    assertThat(book.find("gemini-2.5-flash-lite").name()).isEqualTo("gemini-2.5-flash-lite");
  }

  @Test
  void unknownModelHasNoPriceNeverZero() {
    assertThat(book.find("claude-unknown-9")).isNull();
    assertThat(book.find("gpt-4o-audio-preview")).isNull(); // another product at another price
    assertThat(book.find("gemini-2.5-flash-image")).isNull();
    assertThat(book.find("<synthetic>")).isNull();
  }

  @Test
  void everyModelInTheRealTranscriptsResolves() throws Exception {
    // Same as: grep -rhoE '"model":"[^"]+"' claude-transcripts | sort -u
    Pattern model = Pattern.compile("\"model\":\"([^\"]+)\"");
    Set<String> names = new TreeSet<>();
    try (Stream<Path> files = Files.walk(SharedData.dir().resolve("claude-transcripts"))) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        Matcher m = model.matcher(Files.readString(f));
        while (m.find()) {
          names.add(m.group(1));
        }
      }
    }
    names.remove("<synthetic>");
    assertThat(names).containsAll(List.of("claude-opus-4-5-20251101", "claude-sonnet-4-20250514",
        "claude-haiku-4-5-20251001", "claude-opus-4-6", "claude-opus-4-7"));
    assertThat(names).allSatisfy(n -> assertThat(book.find(n)).as(n).isNotNull());
    assertThat(book.find("claude-sonnet-4-20250514").name()).isEqualTo("claude-sonnet-4");
    assertThat(book.find("claude-opus-4-1-20250805").name()).isEqualTo("claude-opus-4-1");
  }
}
