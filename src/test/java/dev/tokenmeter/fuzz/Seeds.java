package dev.tokenmeter.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The real inputs that the fuzz properties start from, read from the shared data folder (system
 * property {@code tokenmeter.sharedData}, else {@code ../shared/data}). Each list falls back to a
 * small built-in seed when the folder is missing, so the properties still run (on less).
 */
public final class Seeds {

  private static final ObjectMapper LENIENT = new ObjectMapper();

  private Seeds() {}

  public static Path sharedData() {
    return Paths.get(System.getProperty("tokenmeter.sharedData", "../shared/data"));
  }

  /** The captured Alertmanager webhook bodies. */
  public static List<String> alertPayloads() {
    List<String> out = new ArrayList<>();
    for (Path p : files("alertmanager-webhook", ".json")) {
      out.add(read(p));
    }
    if (out.isEmpty()) {
      out.add("{\"receiver\":\"tm\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"labels\":"
          + "{\"alertname\":\"TokenmeterRunBudgetExceeded\",\"run\":\"run-a\",\"tokenmeter_action\":\"pause\"},"
          + "\"annotations\":{\"summary\":\"over\"},\"startsAt\":\"2026-12-04T15:35:20.716Z\","
          + "\"fingerprint\":\"045f0573e6116aa6\"}],\"version\":\"4\",\"truncatedAlerts\":0}");
    }
    return out;
  }

  /** Babysitter journal entries (one JSON document per file), as bytes. */
  public static List<byte[]> journalEntries() {
    List<byte[]> out = new ArrayList<>();
    for (String dir : List.of("babysitter-runs", "babysitter-runs-sdk")) {
      for (Path p : files(dir, ".json")) {
        if (p.getParent().getFileName().toString().equals("journal")) {
          out.add(bytes(p));
        }
      }
    }
    if (out.isEmpty()) {
      out.add(("{\"type\":\"COST_TRACKED\",\"recordedAt\":\"2026-02-16T18:46:55.028Z\",\"data\":"
          + "{\"model\":\"claude-sonnet-4-5\",\"inputTokens\":10,\"outputTokens\":20,"
          + "\"cacheReadTokens\":3,\"effectId\":\"e1\",\"taskKind\":\"agent\"},\"checksum\":\"x\"}")
          .getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  /** Claude Code transcript lines that record usage, and a few of every other kind. */
  public static List<String> transcriptLines() {
    List<String> usage = new ArrayList<>();
    List<String> other = new ArrayList<>();
    for (Path p : files("claude-transcripts", ".jsonl")) {
      for (String line : read(p).split("\n")) {
        if (line.isBlank() || line.length() > 64 << 10) {
          continue;
        }
        (line.contains("\"usage\"") ? usage : other).add(line);
      }
    }
    if (usage.isEmpty()) {
      usage.add("{\"type\":\"assistant\",\"sessionId\":\"s1\",\"requestId\":\"req_1\","
          + "\"timestamp\":\"2026-02-16T18:46:55.028Z\",\"message\":{\"id\":\"msg_1\","
          + "\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":3,\"output_tokens\":5,"
          + "\"cache_read_input_tokens\":7,\"cache_creation_input_tokens\":11,\"cache_creation\":"
          + "{\"ephemeral_5m_input_tokens\":11,\"ephemeral_1h_input_tokens\":0}}}}");
    }
    List<String> out = new ArrayList<>(usage);
    for (int i = 0; i < other.size() && i < usage.size() / 2 + 5; i++) {
      out.add(other.get(i * Math.max(1, other.size() / (usage.size() / 2 + 5))));
    }
    return out;
  }

  /** The entries of LiteLLM's price file, each as a one-member JSON object text. */
  public static List<String> liteLlmEntries() {
    List<String> out = new ArrayList<>();
    for (Path p : files("", ".json")) {
      if (!p.getFileName().toString().startsWith("litellm-model-prices")) {
        continue;
      }
      try {
        JsonNode root = LENIENT.readTree(p.toFile());
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          ObjectNode one = LENIENT.createObjectNode();
          one.set(e.getKey(), e.getValue());
          out.add(one.toString());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (out.isEmpty()) {
      out.add("{\"claude-sonnet-4-5\":{\"input_cost_per_token\":3e-06,\"output_cost_per_token\":1.5e-05,"
          + "\"cache_read_input_token_cost\":3e-07,\"cache_creation_input_token_cost\":3.75e-06,"
          + "\"input_cost_per_token_above_200k_tokens\":6e-06,\"output_cost_per_token_above_200k_tokens\":"
          + "2.25e-05,\"litellm_provider\":\"anthropic\",\"mode\":\"chat\"}}");
    }
    return out;
  }

  /** The bundled native price book (YAML, block and flow style). */
  public static String defaultPricesYaml() {
    try (InputStream in = Seeds.class.getResourceAsStream("/dev/tokenmeter/pricing/default-prices.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Path> files(String under, String suffix) {
    Path dir = sharedData().resolve(under);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = under.isEmpty() ? Files.list(dir) : Files.walk(dir)) {
      return s.filter(p -> p.toString().endsWith(suffix) && Files.isRegularFile(p)).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path p) {
    return new String(bytes(p), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
