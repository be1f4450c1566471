package dev.tokenmeter.ingest.claude;

/** Transcript lines in the shape Claude Code writes them. */
final class Lines {

  private Lines() {}

  static String assistant(String id, String requestId, long input, long output) {
    return assistant(id, requestId, "claude-sonnet-4-5-20250929", input, output, false);
  }

  static String assistant(String id, String requestId, String model, long input, long output,
      boolean sidechain) {
    return "{\"type\":\"assistant\",\"sessionId\":\"s1\",\"isSidechain\":" + sidechain
        + ",\"requestId\":\"" + requestId + "\",\"timestamp\":\"2026-01-02T03:04:05.000Z\","
        + "\"message\":{\"id\":\"" + id + "\",\"model\":\"" + model + "\",\"usage\":{"
        + "\"input_tokens\":" + input + ",\"output_tokens\":" + output
        + ",\"cache_read_input_tokens\":0,\"cache_creation_input_tokens\":0}}}";
  }

  static String user() {
    return "{\"type\":\"user\",\"sessionId\":\"s1\",\"message\":{\"role\":\"user\",\"content\":\"hi\"}}";
  }
}
