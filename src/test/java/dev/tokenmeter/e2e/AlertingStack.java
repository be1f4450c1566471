package dev.tokenmeter.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prometheus and Alertmanager from Debian's packages, running the shipped rules and the shipped
 * Alertmanager config. The test sets only timings: 1 s scrape and evaluation intervals, short
 * Alertmanager group timings, and shorter {@code for:} durations so a case takes seconds, not
 * minutes; and it points the pause receiver at the test's tokenmeter instances.
 */
final class AlertingStack implements AutoCloseable {

  static final Path REPO = Path.of("").toAbsolutePath();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  final int prometheusPort = ExternalProcess.freePort();
  final int alertmanagerPort = ExternalProcess.freePort();
  private final List<ExternalProcess> processes = new ArrayList<>();

  AlertingStack(Path dir, List<String> tokenmeterTargets, Path tokenFile, Map<String, String> forOverrides)
      throws IOException {
    String prometheus = ExternalProcess.requireProgram("prometheus");
    String alertmanager = ExternalProcess.requireProgram("prometheus-alertmanager", "alertmanager");

    List<String> ruleFiles = new ArrayList<>();
    try (var files = Files.list(REPO.resolve("prometheus/rules"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yml")).sorted().toList()) {
        Path patched = dir.resolve(f.getFileName());
        Files.writeString(patched, YAML.writeValueAsString(shortenFor(YAML.readValue(f.toFile(), Map.class), forOverrides)));
        ruleFiles.add(patched.toString());
      }
    }
    Map<String, Object> prom = new LinkedHashMap<>();
    prom.put("global", Map.of("scrape_interval", "1s", "evaluation_interval", "1s"));
    prom.put("rule_files", ruleFiles);
    prom.put("alerting", Map.of("alertmanagers",
        List.of(Map.of("static_configs", List.of(Map.of("targets", List.of("127.0.0.1:" + alertmanagerPort)))))));
    prom.put("scrape_configs", List.of(Map.of("job_name", "tokenmeter", "static_configs",
        List.of(Map.of("targets", tokenmeterTargets)))));
    Path promYml = dir.resolve("prometheus.yml");
    Files.writeString(promYml, YAML.writeValueAsString(prom));

    @SuppressWarnings("unchecked")
    Map<String, Object> am = YAML.readValue(REPO.resolve("prometheus/alertmanager.yml").toFile(), Map.class);
    pointPauseReceiverAt(am, tokenmeterTargets, tokenFile);
    Path amYml = dir.resolve("alertmanager.yml");
    Files.writeString(amYml, YAML.writeValueAsString(am));

    processes.add(ExternalProcess.start("alertmanager", List.of(alertmanager,
        "--config.file=" + amYml, "--storage.path=" + dir.resolve("am-data"),
        "--web.listen-address=127.0.0.1:" + alertmanagerPort, "--cluster.listen-address="), dir)
        .awaitReady("http://127.0.0.1:" + alertmanagerPort + "/-/ready", Duration.ofSeconds(30)));
    processes.add(ExternalProcess.start("prometheus", List.of(prometheus,
        "--config.file=" + promYml, "--storage.tsdb.path=" + dir.resolve("prom-data"),
        "--web.listen-address=127.0.0.1:" + prometheusPort), dir)
        .awaitReady("http://127.0.0.1:" + prometheusPort + "/-/ready", Duration.ofSeconds(30)));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> shortenFor(Map<String, Object> rules, Map<String, String> overrides) {
    for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
      for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
        Object alert = rule.get("alert");
        if (alert != null && overrides.containsKey(alert.toString())) {
          rule.put("for", overrides.get(alert.toString()));
        }
      }
    }
    return rules;
  }

  @SuppressWarnings("unchecked")
  private static void pointPauseReceiverAt(Map<String, Object> am, List<String> targets, Path tokenFile) {
    Map<String, Object> route = (Map<String, Object>) am.get("route");
    tighten(route);
    for (Map<String, Object> r : (List<Map<String, Object>>) route.getOrDefault("routes", List.of())) {
      tighten(r);
    }
    for (Map<String, Object> receiver : (List<Map<String, Object>>) am.get("receivers")) {
      List<Map<String, Object>> hooks = (List<Map<String, Object>>) receiver.get("webhook_configs");
      if (hooks == null || hooks.isEmpty() || !hooks.get(0).get("url").toString().endsWith("/api/v1/alerts")) {
        continue;
      }
      Map<String, Object> template = hooks.get(0);
      List<Map<String, Object>> perInstance = new ArrayList<>();
      for (String t : targets) {
        Map<String, Object> h = new LinkedHashMap<>(template);
        h.put("url", "http://" + t + "/api/v1/alerts");
        Map<String, Object> http = new LinkedHashMap<>((Map<String, Object>) h.get("http_config"));
        Map<String, Object> auth = new LinkedHashMap<>((Map<String, Object>) http.get("authorization"));
        auth.put("credentials_file", tokenFile.toString());
        http.put("authorization", auth);
        h.put("http_config", http);
        perInstance.add(h);
      }
      receiver.put("webhook_configs", perInstance);
    }
  }

  private static void tighten(Map<String, Object> route) {
    if (route.containsKey("group_wait")) {
      route.put("group_wait", "1s");
    }
    if (route.containsKey("group_interval")) {
      route.put("group_interval", "2s");
    }
  }

  @Override
  public void close() {
    for (ExternalProcess p : processes) {
      p.close();
    }
  }
}
