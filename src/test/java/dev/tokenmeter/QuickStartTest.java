package dev.tokenmeter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java quick start compiles against this code and does what it says. */
class QuickStartTest {

  @TempDir Path dir;

  @Test
  void theReadmeQuickStartCompilesAndPausesItsRun() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(m.find()).as("a java block in README.md").isTrue();
    Path src = dir.resolve("QuickStart.java");
    Files.writeString(src, m.group(1));

    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc = javac.run(null, diagnostics, diagnostics,
        "-cp", System.getProperty("java.class.path"), "-d", dir.toString(), src.toString());
    assertThat(rc).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();

    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      loader.loadClass("QuickStart").getMethod("main", String[].class).invoke(null, (Object) new String[0]);
    } finally {
      System.setOut(out);
    }
    List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
    // The $5 budget pauses the run part-way; the in-flight call is counted, then it stops.
    assertThat(lines.get(0)).startsWith("run run-42 is paused (budget): run run-42 reached its budget");
    assertThat(new java.math.BigDecimal(lines.get(1))).isBetween(new java.math.BigDecimal("5"), new java.math.BigDecimal("5.2"));
  }
}
