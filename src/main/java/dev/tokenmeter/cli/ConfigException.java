package dev.tokenmeter.cli;

/** Wrong configuration: start-up stops with this message, which names the setting and where it came from. */
final class ConfigException extends RuntimeException {

  ConfigException(String message) {
    super(message, null, false, false);
  }
}
