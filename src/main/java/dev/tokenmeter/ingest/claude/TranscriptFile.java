package dev.tokenmeter.ingest.claude;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A transcript file and what its place in the projects directory says about its lines. Immutable.
 */
public final class TranscriptFile {

  /** Where a transcript file sits. */
  public enum Kind {
    /** {@code <slug>/<sessionId>.jsonl}: the main thread; sidechain lines may be inline. */
    SESSION,
    /** {@code <slug>/<sessionId>/subagents/agent-*.jsonl}, with its {@code .meta.json} beside. */
    SUBAGENT,
    /** {@code <slug>/agent-*.jsonl}: the older flat layout of subagent files. */
    FLAT_AGENT
  }

  private final Path path;
  private final Kind kind;
  private final String agentType;
  private final String sessionFromPath;

  private TranscriptFile(Path path, Kind kind, String agentType, String sessionFromPath) {
    this.path = Objects.requireNonNull(path, "path");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.agentType = agentType;
    this.sessionFromPath = sessionFromPath;
  }

  public static TranscriptFile session(Path path) {
    return new TranscriptFile(path, Kind.SESSION, null, stem(path));
  }

  /** @param agentType the {@code agentType} of the meta file, or null when there is none */
  public static TranscriptFile subagent(Path path, String agentType) {
    Path sessionDir = path.getParent() == null ? null : path.getParent().getParent();
    return new TranscriptFile(path, Kind.SUBAGENT, blankToNull(agentType),
        sessionDir == null ? null : sessionDir.getFileName().toString());
  }

  public static TranscriptFile flatAgent(Path path) {
    return new TranscriptFile(path, Kind.FLAT_AGENT, null, null);
  }

  public Path path() {
    return path;
  }

  public Kind kind() {
    return kind;
  }

  /** The subagent role from the meta file, or null. */
  public String agentType() {
    return agentType;
  }

  /** The session id the path implies, for lines that do not carry one; null for flat files. */
  public String sessionFromPath() {
    return sessionFromPath;
  }

  /** The subagent label of a line in this file. Never a per-spawn agent id: it is a metric label. */
  String subagentOf(boolean sidechain) {
    if (agentType != null) {
      return agentType;
    }
    return kind == Kind.SESSION && !sidechain ? "main" : "subagent";
  }

  private static String stem(Path p) {
    String n = p.getFileName().toString();
    return n.endsWith(".jsonl") ? n.substring(0, n.length() - ".jsonl".length()) : n;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  @Override
  public String toString() {
    return kind + " " + path + (agentType == null ? "" : " (" + agentType + ")");
  }
}
