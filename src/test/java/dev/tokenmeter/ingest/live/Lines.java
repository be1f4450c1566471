package dev.tokenmeter.ingest.live;

/** Transcript lines and journal entries in the shape Claude Code and the babysitter SDK write. */
final class Lines {

  private Lines() {}

  static String assistant(String session, String id, String requestId, long input, long output) {
    return "{\"parentUuid\":null,\"isSidechain\":false,\"type\":\"assistant\",\"sessionId\":\""
        + session + "\",\"requestId\":\"" + requestId
        + "\",\"timestamp\":\"2026-12-04T15:37:50.000Z\",\"message\":{\"id\":\"" + id
        + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\","
        + "\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"usage\":{\"input_tokens\":" + input
        + ",\"output_tokens\":" + output
        + ",\"cache_read_input_tokens\":0,\"cache_creation_input_tokens\":0}}}";
  }

  static String user(String session) {
    return "{\"type\":\"user\",\"sessionId\":\"" + session
        + "\",\"message\":{\"role\":\"user\",\"content\":\"go on\"}}";
  }

  static String costTracked(String key, String model, long input, long output) {
    return "{\n  \"type\": \"COST_TRACKED\",\n  \"recordedAt\": \"2026-12-04T15:37:50.247Z\",\n"
        + "  \"data\": {\n    \"model\": \"" + model + "\",\n    \"inputTokens\": " + input
        + ",\n    \"outputTokens\": " + output + ",\n    \"cacheCreationTokens\": 0,\n"
        + "    \"cacheReadTokens\": 0,\n    \"taskKind\": \"agent\",\n    \"idempotencyKey\": \""
        + key + "\",\n    \"timestamp\": \"2026-12-04T15:37:50.243Z\"\n  },\n"
        + "  \"checksum\": \"00\"\n}\n";
  }

  static String runCompleted() {
    return "{\n  \"type\": \"RUN_COMPLETED\",\n  \"recordedAt\": \"2026-12-04T15:40:00.000Z\",\n"
        + "  \"data\": {},\n  \"checksum\": \"00\"\n}\n";
  }
}
