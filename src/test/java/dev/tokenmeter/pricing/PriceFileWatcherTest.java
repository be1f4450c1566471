package dev.tokenmeter.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.usage.TokenType;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriceFileWatcherTest {

  private static final String BOOK =
      "version: 1\nmodels:\n  - name: claude-sonnet-4-5\n    per_million: {input: %s, output: 20}\n";

  @TempDir Path dir;

  @Test
  void appliesValidChangesAndKeepsTheLastGoodBookOnErrors() throws Exception {
    Path file = Files.writeString(dir.resolve("prices.yaml"), String.format(BOOK, "4"));
    Pricing pricing = new Pricing(DefaultPriceBook.load());
    try (PriceFileWatcher watcher = PriceFileWatcher.builder(file, pricing)
        .pollInterval(Duration.ofMillis(200))
        .start()) {
      assertThat(inputPrice(pricing)).isEqualByComparingTo("4");
      assertThat(watcher.reloads()).isEqualTo(1);
      assertThat(pricing.book().find("claude-opus-4-7")).isNotNull(); // defaults underneath

      Files.writeString(file, String.format(BOOK, "5.5"));
      awaitTrue(() -> inputPrice(pricing).compareTo(new BigDecimal("5.5")) == 0);
      assertThat(watcher.reloads()).isEqualTo(2);
      assertThat(watcher.reloadErrors()).isZero();

      // Line 4 now holds a price that is not a number.
      Files.writeString(file, String.format(BOOK, "lots"));
      awaitTrue(() -> watcher.reloadErrors() == 1);
      assertThat(inputPrice(pricing)).isEqualByComparingTo("5.5");
      assertThat(watcher.lastError())
          .isEqualTo(file.toAbsolutePath() + ":4: models[0].per_million.input: expected a decimal number, got \"lots\"");
      assertThat(watcher.reloads()).isEqualTo(2);

      // Replace by rename, as some editors save.
      Path tmp = Files.writeString(dir.resolve("prices.yaml.tmp"), String.format(BOOK, "7"));
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      awaitTrue(() -> inputPrice(pricing).compareTo(new BigDecimal("7")) == 0);
      assertThat(watcher.reloads()).isEqualTo(3);
      assertThat(watcher.reloadErrors()).isEqualTo(1);
    }
  }

  @Test
  void badFileAtStartIsCountedNotThrown() throws Exception {
    Path file = Files.writeString(dir.resolve("prices.yaml"), "version: 1\nmodels: 3\n");
    Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
    PriceBook before = DefaultPriceBook.load();
    Pricing pricing = new Pricing(before);
    try (PriceFileWatcher watcher = PriceFileWatcher.builder(file, pricing).start()) {
      assertThat(watcher.reloadErrors()).isEqualTo(1);
      assertThat(watcher.reloads()).isZero();
      assertThat(watcher.lastError()).endsWith(":2: models: expected a list of models, got \"3\"");
      assertThat(pricing.book()).isSameAs(before);
    }
  }

  private static BigDecimal inputPrice(Pricing pricing) {
    return pricing.book().find("claude-sonnet-4-5").base().perMillion(TokenType.INPUT);
  }

  /** Polls until the condition holds or a generous deadline passes. */
  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
