package dev.tokenmeter.ingest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;

/** The shared test data folder: system property {@code tokenmeter.sharedData}, else {@code ../shared/data}. */
public final class SharedData {

  private SharedData() {}

  public static Path dir() {
    Path p = Paths.get(System.getProperty("tokenmeter.sharedData", "../shared/data"));
    Assumptions.assumeTrue(Files.isDirectory(p), "shared data not found at " + p.toAbsolutePath());
    return p;
  }

  public static Path resolve(String relative) {
    return dir().resolve(relative);
  }
}
