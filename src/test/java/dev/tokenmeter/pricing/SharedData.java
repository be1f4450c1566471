package dev.tokenmeter.pricing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared test data folder beside the checkout (see shared/data/README.md). */
final class SharedData {

  private SharedData() {}

  static Path dir() {
    Path p = Path.of(System.getProperty("tokenmeter.sharedData", "../shared/data"));
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException("shared test data not found at " + p.toAbsolutePath());
    }
    return p;
  }

  static Path litellm() {
    return dir().resolve("litellm-model-prices-2026-07-24.json");
  }
}
