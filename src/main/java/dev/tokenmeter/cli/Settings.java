package dev.tokenmeter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tokenmeter.server.TokenMeterServer;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings of {@code tokenmeter serve}, resolved once at start-up with this precedence:
 * command-line flags, then environment variables, then the YAML config file, then defaults.
 * Immutable; every value remembers where it came from, for {@code serve --print-config}.
 *
 * <p>The API token is never a flag (it would show in the process list): it comes from
 * {@code TOKENMETER_API_TOKEN}, or from a file named by {@code --api-token-file}.
 */
final class Settings {

  /** Every setting: its YAML key, flag, environment variable and default. */
  enum Key {
    PORT("port", "--port", "TOKENMETER_PORT", String.valueOf(TokenMeterServer.DEFAULT_PORT)),
    BIND("bind", "--bind", "TOKENMETER_BIND", TokenMeterServer.DEFAULT_BIND),
    PRICES("prices", "--prices", "TOKENMETER_PRICES", null),
    STATE_DIR("state_dir", "--state-dir", "TOKENMETER_STATE_DIR", "~/.tokenmeter/state"),
    API_TOKEN_FILE("api_token_file", "--api-token-file", "TOKENMETER_API_TOKEN_FILE", null),
    RUNS_DIR("runs_dir", "--runs-dir", "TOKENMETER_RUNS_DIR", null),
    CLAUDE_DIR("claude_dir", "--claude-dir", "TOKENMETER_CLAUDE_DIR", null),
    RUN_BUDGET("run_budget", "--run-budget", "TOKENMETER_RUN_BUDGET", null),
    MAX_TRACKED_RUNS("max_tracked_runs", "--max-tracked-runs", "TOKENMETER_MAX_TRACKED_RUNS", "50000"),
    TAIL_SINCE("tail_since", "--tail-since", "TOKENMETER_TAIL_SINCE", "45m");

    final String yaml;
    final String flag;
    final String env;
    final String defaultValue;

    Key(String yaml, String flag, String env, String defaultValue) {
      this.yaml = yaml;
      this.flag = flag;
      this.env = env;
      this.defaultValue = defaultValue;
    }

    static String allowedYamlKeys() {
      StringJoiner j = new StringJoiner(", ");
      for (Key k : values()) {
        j.add(k.yaml);
      }
      return j.toString();
    }
  }

  static final String TOKEN_ENV = "TOKENMETER_API_TOKEN";
  static final String CONFIG_ENV = "TOKENMETER_CONFIG";

  /** A raw value and where it came from. */
  private static final class Value {
    final String raw;
    final String source;

    Value(String raw, String source) {
      this.raw = raw;
      this.source = source;
    }
  }

  private final Map<Key, Value> values;
  private final String apiToken;
  private final String apiTokenSource;
  final int port;
  final String bind;
  final Path prices;
  final Path stateDir;
  final Path runsDir;
  final Path claudeDir;
  final BigDecimal runBudgetUsd;
  final int maxTrackedRuns;
  /** How far back the tailed directories are read at start, or null for all of them. */
  final Duration tailSince;

  private Settings(Map<Key, Value> values, String apiToken, String apiTokenSource) {
    this.values = values;
    this.apiToken = apiToken;
    this.apiTokenSource = apiTokenSource;
    this.port = port(values.get(Key.PORT));
    this.bind = bind(values.get(Key.BIND));
    this.prices = path(values.get(Key.PRICES));
    this.stateDir = path(values.get(Key.STATE_DIR));
    this.runsDir = path(values.get(Key.RUNS_DIR));
    this.claudeDir = path(values.get(Key.CLAUDE_DIR));
    this.runBudgetUsd = money(values.get(Key.RUN_BUDGET));
    this.maxTrackedRuns = positive(values.get(Key.MAX_TRACKED_RUNS), "the cap on tracked runs");
    this.tailSince = since(values.get(Key.TAIL_SINCE));
  }

  /** The API token, or null. Never printed. */
  String apiToken() {
    return apiToken;
  }

  /**
   * Resolves the settings.
   *
   * @param flags values given on the command line, by key
   * @param configFile the {@code --config} file, or null (then {@code TOKENMETER_CONFIG})
   * @throws ConfigException naming the key, its source and what is allowed
   */
  static Settings resolve(Map<Key, String> flags, Path configFile, Map<String, String> env) {
    Map<Key, Value> out = new EnumMap<>(Key.class);
    Path file = configFile;
    if (file == null && env.get(CONFIG_ENV) != null && !env.get(CONFIG_ENV).isBlank()) {
      file = Path.of(env.get(CONFIG_ENV));
    }
    Map<String, String> fromFile = file == null ? Map.of() : readYaml(file);
    for (Key k : Key.values()) {
      if (flags.get(k) != null) {
        out.put(k, new Value(flags.get(k), "flag " + k.flag));
      } else if (env.get(k.env) != null && !env.get(k.env).isBlank()) {
        out.put(k, new Value(env.get(k.env), "environment " + k.env));
      } else if (fromFile.containsKey(k.yaml)) {
        out.put(k, new Value(fromFile.get(k.yaml), "config file " + file + ", key " + k.yaml));
      } else if (k.defaultValue != null) {
        out.put(k, new Value(k.defaultValue, "default"));
      }
    }
    String token = null;
    String tokenSource = null;
    Value tokenFile = out.get(Key.API_TOKEN_FILE);
    if (tokenFile != null && tokenFile.source.startsWith("flag")) {
      token = readToken(tokenFile);
      tokenSource = tokenFile.source + " (" + tokenFile.raw + ")";
    } else if (env.get(TOKEN_ENV) != null && !env.get(TOKEN_ENV).isBlank()) {
      token = env.get(TOKEN_ENV).strip();
      tokenSource = "environment " + TOKEN_ENV;
    } else if (tokenFile != null) {
      token = readToken(tokenFile);
      tokenSource = tokenFile.source + " (" + tokenFile.raw + ")";
    }
    return new Settings(out, token, tokenSource);
  }

  private static Map<String, String> readYaml(Path file) {
    JsonNode root;
    try {
      root = YAMLMapper.builder().enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build().readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // The parser's message quotes the offending line, which may hold a secret (the token file
      // given as --config, say): name the place only.
      com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
      throw new ConfigException("config file " + file + ": not valid YAML"
          + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    } catch (IOException e) {
      throw new ConfigException("config file " + file + ": cannot read it: " + e.getMessage());
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (root == null || root.isMissingNode() || root.isNull()) {
      return out;
    }
    if (!root.isObject()) {
      throw new ConfigException("config file " + file + ": must be a mapping of keys to values; allowed keys: " + Key.allowedYamlKeys());
    }
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      boolean known = false;
      for (Key k : Key.values()) {
        known |= k.yaml.equals(e.getKey());
      }
      if (!known) {
        throw new ConfigException(
            "config file " + file + ": unknown key " + shownKey(e.getKey()) + "; allowed keys: " + Key.allowedYamlKeys());
      }
      if (!e.getValue().isValueNode()) {
        throw new ConfigException("config file " + file + ", key " + e.getKey() + ": must be a single value, got " + e.getValue());
      }
      if (!e.getValue().isNull()) {
        out.put(e.getKey(), e.getValue().asText());
      }
    }
    return out;
  }

  /**
   * An unknown key as shown in an error: quoted when it looks like a key (a typo), else not shown,
   * since then it is more likely a value, such as a token in a file given as --config by mistake.
   */
  static String shownKey(String key) {
    return key.matches("[A-Za-z][A-Za-z_]{0,31}")
        ? "'" + key + "'"
        : "(not shown: " + key.length() + " characters that do not look like a key; is this the token file?)";
  }

  private static String readToken(Value file) {
    Path p = Path.of(expandHome(file.raw));
    try {
      String t = Files.readString(p, StandardCharsets.UTF_8).strip();
      if (t.isEmpty()) {
        throw new ConfigException(file.source + ": the API token file " + p + " is empty");
      }
      return t;
    } catch (IOException e) {
      throw new ConfigException(file.source + ": cannot read the API token file " + p + ": " + e.getMessage());
    }
  }

  private static int port(Value v) {
    try {
      int p = Integer.parseInt(v.raw.strip());
      if (p >= 0 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigException(v.source + ": the port must be an integer from 0 to 65535, got '" + v.raw + "'");
  }

  private static int positive(Value v, String what) {
    try {
      int n = Integer.parseInt(v.raw.strip());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigException(v.source + ": " + what + " must be a whole number from 1 to " + Integer.MAX_VALUE
        + ", got '" + v.raw + "'");
  }

  private static final Pattern SINCE = Pattern.compile("(\\d{1,9})([smhd])");

  private static Duration since(Value v) {
    String s = v.raw.strip();
    if (s.equals("all")) {
      return null;
    }
    Matcher m = SINCE.matcher(s);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "s":
          return Duration.ofSeconds(n);
        case "m":
          return Duration.ofMinutes(n);
        case "h":
          return Duration.ofHours(n);
        default:
          return Duration.ofDays(n);
      }
    }
    throw new ConfigException(v.source + ": tail since must be `all` or a duration like 45m, 6h or 7d, got '" + v.raw + "'");
  }

  private static String bind(Value v) {
    String s = v.raw.strip();
    try {
      TokenMeterServer.bindAddress(s);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(v.source + ": " + e.getMessage());
    }
    return s;
  }

  private static BigDecimal money(Value v) {
    if (v == null) {
      return null;
    }
    try {
      BigDecimal b = new BigDecimal(v.raw.strip());
      if (b.signum() >= 0) {
        return b;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigException(v.source + ": the run budget must be a non-negative USD amount like 5.00, got '" + v.raw + "'");
  }

  private static Path path(Value v) {
    return v == null ? null : Path.of(expandHome(v.raw.strip()));
  }

  static String expandHome(String p) {
    return p.equals("~") || p.startsWith("~/") ? System.getProperty("user.home") + p.substring(1) : p;
  }

  /** The effective configuration with the source of each value; the token masked. */
  String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append("# tokenmeter serve: effective configuration\n");
    sb.append("# precedence: flags > environment (TOKENMETER_*) > config file (--config or TOKENMETER_CONFIG) > defaults\n");
    for (Key k : Key.values()) {
      Value v = values.get(k);
      String shown = v == null ? "" : k == Key.RUN_BUDGET || k == Key.PORT || k == Key.BIND ? v.raw : path(v).toString();
      sb.append(String.format("%-15s %-40s # %s%n", k.yaml + ":", shown, v == null ? "not set" : v.source));
    }
    sb.append(String.format("%-15s %-40s # %s%n", "# api token:", apiToken == null ? "not set" : "****", apiTokenSource == null ? "mutating endpoints are open (loopback only)" : apiTokenSource));
    return sb.toString();
  }
}
