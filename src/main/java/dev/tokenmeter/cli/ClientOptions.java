package dev.tokenmeter.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where the client commands find the server, and the token for its mutating endpoints. */
final class ClientOptions {

  static final String DEFAULT_SERVER = "http://127.0.0.1:9464";

  @Option(names = "--server", paramLabel = "URL", description = "tokenmeter server (default: $TOKENMETER_SERVER, else " + DEFAULT_SERVER + ")")
  String server;

  @Option(names = "--api-token-file", paramLabel = "FILE", description = "file holding the API token (default: $TOKENMETER_API_TOKEN)")
  Path apiTokenFile;

  ApiClient client(Map<String, String> env) {
    String url = server != null ? server : env.getOrDefault("TOKENMETER_SERVER", DEFAULT_SERVER);
    String token = null;
    if (apiTokenFile != null) {
      try {
        token = Files.readString(apiTokenFile, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new ConfigException("--api-token-file: cannot read " + apiTokenFile + ": " + e.getMessage());
      }
    } else if (env.get(Settings.TOKEN_ENV) != null && !env.get(Settings.TOKEN_ENV).isBlank()) {
      token = env.get(Settings.TOKEN_ENV).strip();
    }
    try {
      return new ApiClient(url, token);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--server: not a URL: " + url);
    }
  }
}
