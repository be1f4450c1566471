package dev.tokenmeter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.pricing.PriceBookLoader;
import dev.tokenmeter.pricing.PriceFileWatcher;
import dev.tokenmeter.pricing.Pricing;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The price file of a running server is replaced by garbage, in place and by rename, several
 * kinds: the last good prices stay (cost gauge and budgets unchanged), each rejection is counted
 * in {@code tokenmeter_pricebook_reload_errors_total}, and a later valid file applies everywhere.
 */
class PriceFileGarbageTest {

  @TempDir Path dir;

  static String prices(String input) {
    return "version: 1\nmodels:\n  - name: claude-sonnet-4-5\n    provider: anthropic\n"
        + "    per_million: {input: " + input + ", output: 15.00, cache_read: 0.30, cache_write_5m: 3.75, cache_write_1h: 6.00}\n";
  }

  @Test
  void garbageKeepsTheLastGoodBookAndIsCountedAndALaterValidFileApplies() throws Exception {
    Path file = dir.resolve("prices.yaml");
    Files.writeString(file, prices("3.00"));
    Pricing pricing = new Pricing(PriceBookLoader.load(file).book());
    PriceFileWatcher watcher = PriceFileWatcher.builder(file, pricing).pollInterval(Duration.ofMillis(50)).start();
    TokenMeter meter = TokenMeter.builder().pricing(pricing).sweepInterval(Duration.ZERO)
        .defaultRunBudget(new BigDecimal("0.05")).build();
    meter.reportPriceReloads(watcher::reloads, watcher::reloadErrors);
    try (watcher; Loopback s = new Loopback(meter)) {
      // 10,000 input tokens at $3/M: $0.03 of the $0.05 budget.
      assertThat(s.post("/api/v1/usage", "{\"run\":\"r\",\"model\":\"claude-sonnet-4-5\",\"inputTokens\":10000}").statusCode()).isEqualTo(200);
      DoubleSupplier cost = () -> {
        try {
          return s.metric("tokenmeter_cost_usd", "run=\"r\"");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      };
      assertThat(cost.getAsDouble()).isEqualTo(0.03);
      double errors0 = s.metric("tokenmeter_pricebook_reload_errors_total");
      long reloads0 = watcher.reloads(); // the first load of the file counts

      byte[] random = new byte[4096];
      new Random(42).nextBytes(random);
      String good = prices("3.00");
      byte[][] garbage = {
        random,
        good.substring(0, good.length() / 2).getBytes(StandardCharsets.UTF_8), // cut mid-line
        new byte[0],
        "{\"claude-sonnet-4-5\": {\"input_cost_per_token\": \"lots\"}}".getBytes(StandardCharsets.UTF_8),
        prices("-3.00").getBytes(StandardCharsets.UTF_8),
      };
      int n = 0;
      for (byte[] g : garbage) {
        if (n % 2 == 0) {
          Files.write(file, g); // in place
        } else {
          Path tmp = dir.resolve("prices.yaml.new");
          Files.write(tmp, g);
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        n++;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (watcher.reloadErrors() < n && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(watcher.reloadErrors()).as("garbage %d rejected", n).isEqualTo(n);
        assertThat(cost.getAsDouble()).as("cost after garbage %d", n).isEqualTo(0.03);
        assertThat(s.get("/api/v1/runs/r/gate").statusCode()).isEqualTo(200);
      }
      assertThat(s.metric("tokenmeter_pricebook_reload_errors_total")).isEqualTo(errors0 + garbage.length);
      assertThat(watcher.reloads()).isEqualTo(reloads0);

      // Usage recorded meanwhile is priced with the last good book.
      assertThat(s.post("/api/v1/usage", "{\"run\":\"r\",\"model\":\"claude-sonnet-4-5\",\"inputTokens\":1000}").statusCode()).isEqualTo(200);
      assertThat(cost.getAsDouble()).isEqualTo(0.033);

      // A valid file: $6/M doubles the cost to $0.066, over the budget: the run pauses.
      Files.writeString(file, prices("6.00"));
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (watcher.reloads() < reloads0 + 1 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(watcher.reloads()).isEqualTo(reloads0 + 1);
      assertThat(cost.getAsDouble()).isEqualTo(0.066);
      assertThat(s.get("/api/v1/runs/r/gate").statusCode()).isEqualTo(423);
      assertThat(s.metric("tokenmeter_pricebook_reload_errors_total")).isEqualTo(errors0 + garbage.length);
    }
  }
}
