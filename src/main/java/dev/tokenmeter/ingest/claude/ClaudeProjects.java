package dev.tokenmeter.ingest.claude;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.ingest.Directories;
import dev.tokenmeter.ingest.IngestError;
import dev.tokenmeter.ingest.IngestErrors;
import dev.tokenmeter.ingest.InvalidField;
import dev.tokenmeter.ingest.JsonFields;
import dev.tokenmeter.ingest.LineReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Finds the transcript files of a Claude Code projects directory ({@code ~/.claude/projects}),
 * one project ({@code <slug>/}) at a time:
 *
 * <pre>
 *   &lt;slug&gt;/&lt;sessionId&gt;.jsonl                              SESSION
 *   &lt;slug&gt;/&lt;sessionId&gt;/subagents/agent-*.jsonl (+ .meta.json)  SUBAGENT
 *   &lt;slug&gt;/agent-*.jsonl                                  FLAT_AGENT (older layout)
 * </pre>
 *
 * <p>Within a project, subagent files come before session files, so that a response that also
 * appears as an inline sidechain in the parent is first seen, and labelled, with its role.
 */
public final class ClaudeProjects {

  /** Meta files are a few hundred bytes; anything far larger is not one. */
  private static final long MAX_META_BYTES = 1 << 20;

  private ClaudeProjects() {}

  /**
   * Calls {@code project} with each project directory and its transcript files, in name order.
   * Never throws; unreadable directories and meta files are reported.
   */
  public static void scan(
      Path projectsDir, IngestErrors errors, BiConsumer<Path, List<TranscriptFile>> project) {
    Directories dirs = new Directories(errors);
    for (Path slug : dirs.list(projectsDir)) {
      if (Files.isDirectory(slug)) {
        project.accept(slug, files(slug, dirs, errors));
      }
    }
  }

  /** The transcript files of one project directory, subagent files first. */
  static List<TranscriptFile> files(Path slug, Directories dirs, IngestErrors errors) {
    List<TranscriptFile> subagents = new ArrayList<>();
    List<TranscriptFile> sessions = new ArrayList<>();
    for (Path p : dirs.list(slug)) {
      String name = p.getFileName().toString();
      if (name.endsWith(".jsonl")) {
        // Not filtered by isRegularFile: a broken link or a loop is then reported when read.
        if (name.startsWith("agent-")) {
          subagents.add(TranscriptFile.flatAgent(p));
        } else {
          sessions.add(TranscriptFile.session(p));
        }
      } else if (Files.isDirectory(p)) {
        Path sub = p.resolve("subagents");
        if (Files.isDirectory(sub)) {
          for (Path f : dirs.list(sub)) {
            String n = f.getFileName().toString();
            if (n.endsWith(".jsonl")) {
              subagents.add(TranscriptFile.subagent(f, agentType(metaFile(f), errors)));
            }
          }
        }
      }
    }
    subagents.addAll(sessions);
    return subagents;
  }

  private static Path metaFile(Path jsonl) {
    String n = jsonl.getFileName().toString();
    return jsonl.resolveSibling(n.substring(0, n.length() - ".jsonl".length()) + ".meta.json");
  }

  /** The {@code agentType} of a meta file; null, silently, when there is no meta file. */
  static String agentType(Path meta, IngestErrors errors) {
    try {
      if (!Files.exists(meta)) {
        return null;
      }
      long size = Files.size(meta);
      if (size > MAX_META_BYTES) {
        errors.report(new IngestError(meta, 0, "meta file is " + size + " bytes; ignored"));
        return null;
      }
      byte[] b = Files.readAllBytes(meta);
      JsonNode root = JsonFields.readTree(b, 0, b.length);
      if (root == null || !root.isObject()) {
        errors.report(new IngestError(meta, 1, "meta file is not a JSON object"));
        return null;
      }
      return JsonFields.text(root, "agentType", "agentType");
    } catch (InvalidField e) {
      errors.report(new IngestError(meta, 1, e.getMessage()));
    } catch (JsonProcessingException e) {
      errors.report(new IngestError(meta, e.getLocation() == null ? 0 : e.getLocation().getLineNr(),
          "not valid JSON: " + JsonFields.parseProblem(e)));
    } catch (NoSuchFileException e) {
      return null; // removed between the check and the read: as if it never was
    } catch (IOException e) {
      errors.report(new IngestError(meta, 0, "cannot read: " + LineReader.describe(e)));
    }
    return null;
  }
}
