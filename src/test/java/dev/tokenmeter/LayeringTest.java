package dev.tokenmeter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The folders show the layers (DESIGN section 10) and arrows point down only: each package may
 * import the packages listed for it and nothing above.
 */
class LayeringTest {

  private static final Path SRC = Path.of("src/main/java/dev/tokenmeter");
  private static final Pattern IMPORT = Pattern.compile("^import (?:static )?dev\\.tokenmeter\\.([a-z]+)?", Pattern.MULTILINE);
  private static final Pattern ROOT_IMPORT = Pattern.compile("^import (?:static )?dev\\.tokenmeter\\.[A-Z]", Pattern.MULTILINE);

  /** What each layer may import from the project (the root package is the core facade). */
  private static final Map<String, Set<String>> ALLOWED = Map.of(
      "usage", Set.of("usage"),
      "pricing", Set.of("pricing", "usage"),
      "budget", Set.of("budget", "pricing", "usage"),
      "", Set.of("", "usage", "pricing", "budget"),
      "export", Set.of("export", "", "usage", "pricing", "budget"),
      "ingest", Set.of("ingest", "", "usage", "pricing", "budget"),
      "server", Set.of("server", "export", "ingest", "", "usage", "pricing", "budget"),
      "cli", Set.of("cli", "server", "export", "ingest", "", "usage", "pricing", "budget"));

  /** Libraries that belong to one layer: the core knows no HTTP, CLI or metrics library. */
  private static final Map<String, List<String>> FORBIDDEN_LIBRARIES = Map.of(
      "usage", List.of("io.prometheus", "io.opentelemetry", "io.micrometer", "org.eclipse.jetty", "picocli"),
      "pricing", List.of("io.prometheus", "io.opentelemetry", "io.micrometer", "org.eclipse.jetty", "picocli"),
      "budget", List.of("io.prometheus", "io.opentelemetry", "io.micrometer", "org.eclipse.jetty", "picocli"),
      "", List.of("io.prometheus", "io.opentelemetry", "io.micrometer", "org.eclipse.jetty", "picocli"),
      "export", List.of("org.eclipse.jetty", "picocli"),
      "ingest", List.of("io.prometheus", "io.opentelemetry", "io.micrometer", "org.eclipse.jetty", "picocli"),
      "server", List.of("picocli"));

  @Test
  void everyLayerImportsOnlyWhatIsBelowIt() throws IOException {
    List<String> violations = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SRC)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Path rel = SRC.relativize(f);
        String layer = rel.getNameCount() == 1 ? "" : rel.getName(0).toString();
        String text = Files.readString(f);
        Matcher m = IMPORT.matcher(text);
        while (m.find()) {
          String target = m.group(1) == null ? "" : m.group(1);
          if (!ALLOWED.getOrDefault(layer, Set.of()).contains(target)) {
            violations.add(rel + " imports dev.tokenmeter." + target);
          }
        }
        if (ROOT_IMPORT.matcher(text).find() && !ALLOWED.getOrDefault(layer, Set.of()).contains("")) {
          violations.add(rel + " imports the core facade");
        }
        for (String lib : FORBIDDEN_LIBRARIES.getOrDefault(layer, List.of())) {
          if (text.contains("import " + lib)) {
            violations.add(rel + " imports " + lib);
          }
        }
      }
    }
    assertThat(violations).isEmpty();
  }
}
