package dev.tokenmeter.cli;

import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.export.otel.OtelSdkFromEnvironment;
import dev.tokenmeter.export.otel.TokenMeterOtel;
import dev.tokenmeter.ingest.live.Tailer;
import dev.tokenmeter.pricing.DefaultPriceBook;
import dev.tokenmeter.pricing.PriceBook;
import dev.tokenmeter.pricing.PriceBookLoader;
import dev.tokenmeter.pricing.PriceFileException;
import dev.tokenmeter.pricing.PriceFileWatcher;
import dev.tokenmeter.pricing.Pricing;
import dev.tokenmeter.server.TokenMeterServer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The running parts of {@code serve} and {@code demo}, wired from {@link Settings}: the price
 * book (bundled, with the user's file laid over it and watched), the meter with its state
 * directory, the journal and transcript tailers, OTLP export when the environment asks for it,
 * and the HTTP server. Closed in reverse.
 */
final class Sidecar implements AutoCloseable {

  final TokenMeter meter;
  final TokenMeterServer server;
  private final List<AutoCloseable> parts = new ArrayList<>();

  private Sidecar(TokenMeter meter, TokenMeterServer server, List<AutoCloseable> parts) {
    this.meter = meter;
    this.server = server;
    this.parts.addAll(parts);
  }

  /**
   * Starts everything, or fails naming what is wrong (a price file error names file, line and
   * field) with nothing left running.
   */
  static Sidecar start(Settings s, Map<String, String> env) throws Exception {
    List<AutoCloseable> parts = new ArrayList<>();
    try {
      PriceBook defaults = DefaultPriceBook.load();
      Pricing pricing = new Pricing(defaults);
      PriceFileWatcher watcher = null;
      if (s.prices != null) {
        // Fail fast on a bad file at start-up; later bad edits keep the last good book.
        try {
          pricing.update(defaults.overriddenBy(PriceBookLoader.load(s.prices).book()));
        } catch (IOException e) {
          throw new IllegalArgumentException("cannot read price file " + s.prices + ": " + e.getMessage(), e);
        } catch (PriceFileException e) {
          throw new IllegalArgumentException(e.getMessage(), e);
        }
        watcher = PriceFileWatcher.builder(s.prices, pricing).defaults(defaults).start();
        parts.add(watcher);
      }
      TokenMeter.Builder mb = TokenMeter.builder().pricing(pricing).maxTrackedRuns(s.maxTrackedRuns);
      if (s.stateDir != null) {
        mb.stateDir(s.stateDir);
      }
      if (s.runBudgetUsd != null) {
        mb.defaultRunBudget(s.runBudgetUsd);
      }
      TokenMeter meter;
      try {
        meter = mb.build();
      } catch (UncheckedIOException e) {
        throw new IllegalArgumentException("state_dir " + s.stateDir + ": " + e.getMessage(), e);
      }
      parts.add(meter);
      if (watcher != null) {
        meter.reportPriceReloads(watcher::reloads, watcher::reloadErrors);
      }
      if (s.runsDir != null || s.claudeDir != null) {
        Tailer.Builder tb = Tailer.builder(meter);
        if (s.tailSince != null) {
          tb.since(Instant.now().minus(s.tailSince));
        }
        if (s.runsDir != null) {
          tb.runsDir(s.runsDir);
        }
        if (s.claudeDir != null) {
          tb.claudeDir(s.claudeDir);
        }
        parts.add(tb.start());
      }
      Optional<OpenTelemetrySdk> otel = OtelSdkFromEnvironment.create(env);
      if (otel.isPresent()) {
        parts.add(otel.get());
        parts.add(TokenMeterOtel.register(meter, otel.get()));
      }
      TokenMeterServer server =
          TokenMeterServer.builder(meter).bind(s.bind).port(s.port).apiToken(s.apiToken()).build().start();
      parts.add(server);
      return new Sidecar(meter, server, parts);
    } catch (Exception | Error e) {
      closeAll(parts);
      throw e;
    }
  }

  private static void closeAll(List<AutoCloseable> parts) {
    for (int i = parts.size() - 1; i >= 0; i--) {
      try {
        parts.get(i).close();
      } catch (Exception ignored) {
        // closing on the way out: nothing more to do
      }
    }
  }

  @Override
  public void close() {
    closeAll(parts);
  }
}
