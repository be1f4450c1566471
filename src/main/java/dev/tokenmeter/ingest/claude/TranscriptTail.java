package dev.tokenmeter.ingest.claude;

import dev.tokenmeter.ingest.Directories;
import dev.tokenmeter.ingest.IngestError;
import dev.tokenmeter.ingest.IngestErrors;
import dev.tokenmeter.ingest.LineReader;
import dev.tokenmeter.ingest.Position;
import dev.tokenmeter.usage.TokenCounts;
import dev.tokenmeter.usage.UsageEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Follows a Claude Code projects directory: each {@link #poll} reads what was appended to its
 * transcript files since the last one and turns it into usage.
 *
 * <p>The rule for streamed responses. Every copy of one response (same {@code message.id} and
 * {@code requestId}) goes through one {@link ResponseDedupe}. The first copy is one call
 * ({@link Listener#call}, keyed by the response key). A later copy that reports more of any count
 * is growth ({@link Listener#growth}: the response's whole usage so far and what it was before,
 * keyed by the response key and those counts), added without counting another request. So a
 * response counts once, with its final, largest usage, and counters only go up. Reading the same
 * files again from the start, in one pass, yields the same calls and the same growth in the same
 * order within each file, so a restart gives the same totals; only a response whose copies sit in
 * two files may take its labels from the other file first when the files were written in another
 * order than they are read.
 *
 * <p>Files:
 *
 * <ul>
 *   <li>a half-written last line is left and re-read when it is complete (by {@link LineReader});
 *   <li>a file that shrank (truncated in place), was replaced (another file key, that is inode,
 *       at the same path) or was rewritten in place (the last bytes read before are not there
 *       any more) is read again from the start: copies already counted add nothing;
 *   <li>a file that vanished is forgotten; what it added stays counted.
 * </ul>
 *
 * <p>{@code since}: at first sight, a session whose files (the transcript and its subagent files)
 * were all last written before it is not read, nor is a flat {@code agent-*} file of a project
 * none of whose files was written since; what is skipped is read whole, from the start, once
 * anything of it is written again. A session is the unit, so a live session is never read in part.
 *
 * <p>Memory: one small entry per file, and the dedupe window ({@code responseWindow} responses,
 * about 300 bytes each). Not thread-safe: one thread polls.
 */
public final class TranscriptTail {

  /** Receives the usage of a projects directory. */
  public interface Listener {

    /** The first copy of a response: one call. */
    void call(UsageEvent call);

    /**
     * A later copy of a response reported more: {@code current} holds its labels and whole usage
     * so far, {@code previous} what was counted before.
     */
    void growth(UsageEvent current, TokenCounts previous);
  }

  /** Enough to tell a rewritten file from an appended one: a line ends with an id or a time. */
  private static final int FINGERPRINT_BYTES = 64;

  private static final byte[] EMPTY = new byte[0];

  private final Path projectsDir;
  private final TranscriptReader reader;
  private final ResponseDedupe<ClaudeCall> dedupe;
  private final Map<Path, Followed> files = new HashMap<>();
  private final List<Path> directories = new ArrayList<>();
  private final FileTime since;
  private int skipped;

  /**
   * @param since read only sessions written to at or after this time, the others once they are
   *     written to again; null reads everything
   */
  public TranscriptTail(Path projectsDir, int maxLineBytes, int responseWindow, Instant since) {
    this.projectsDir = Objects.requireNonNull(projectsDir, "projectsDir");
    this.since = since == null ? null : FileTime.from(since);
    this.reader = new TranscriptReader(new LineReader(maxLineBytes));
    this.dedupe = new ResponseDedupe<>(responseWindow);
  }

  public Path projectsDir() {
    return projectsDir;
  }

  /** The directories the last poll listed: where new files and lines will show up. */
  public List<Path> directories() {
    return List.copyOf(directories);
  }

  /** How many files are followed now. */
  public int files() {
    return files.size();
  }

  /** How many transcript files the last poll left unread, not written to since {@code since}. */
  public int skipped() {
    return skipped;
  }

  /**
   * Reads what is new. Never throws for bad input; a missing projects directory is not an error
   * (Claude Code may not have run yet).
   */
  public void poll(Listener listener, IngestErrors errors) {
    directories.clear();
    skipped = 0;
    if (!Files.isDirectory(projectsDir)) {
      files.clear();
      return;
    }
    directories.add(projectsDir);
    Directories dirs = new Directories(errors);
    Set<Path> present = new HashSet<>();
    for (Path slug : dirs.list(projectsDir)) {
      if (!Files.isDirectory(slug)) {
        continue;
      }
      directories.add(slug);
      // Group the project's files by session first: with `since`, a session is read whole or not.
      Map<String, List<Path>> subagentFiles = new HashMap<>();
      Map<String, List<Path>> sessionFiles = new HashMap<>();
      List<Path> sessions = new ArrayList<>();
      List<Path> flatAgents = new ArrayList<>();
      List<Path> listing = dirs.list(slug);
      for (Path p : listing) {
        String name = p.getFileName().toString();
        if (name.endsWith(".jsonl")) {
          if (name.startsWith("agent-")) {
            flatAgents.add(p);
          } else {
            sessions.add(p);
            sessionFiles.computeIfAbsent(sessionId(p), k -> new ArrayList<>()).add(p);
          }
        } else if (Files.isDirectory(p)) {
          directories.add(p);
          Path sub = p.resolve("subagents");
          if (Files.isDirectory(sub)) {
            directories.add(sub);
            List<Path> agents = new ArrayList<>();
            for (Path f : dirs.list(sub)) {
              if (f.getFileName().toString().endsWith(".jsonl")) {
                agents.add(f);
              }
            }
            subagentFiles.put(name, agents);
            sessionFiles.computeIfAbsent(name, k -> new ArrayList<>()).addAll(agents);
          }
        }
      }
      boolean projectWritten = false;
      Set<String> read = new HashSet<>();
      for (Map.Entry<String, List<Path>> e : sessionFiles.entrySet()) {
        if (toRead(e.getValue())) {
          read.add(e.getKey());
          projectWritten = true;
        } else {
          skipped += e.getValue().size();
        }
      }
      // Flat agent files name their session only inside: read them with the project's live ones.
      if (!projectWritten) {
        projectWritten = toRead(flatAgents);
        if (!projectWritten) {
          skipped += flatAgents.size();
        }
      }
      // Subagent files first, as ClaudeProjects orders them: a response that is also an inline
      // sidechain in the parent is labelled with its role, as tokens:stats labels it.
      for (Path p : listing) {
        String name = p.getFileName().toString();
        if (name.startsWith("agent-") && name.endsWith(".jsonl")) {
          if (projectWritten) {
            follow(p, Kind.FLAT_AGENT, listener, errors, present);
          }
        } else if (subagentFiles.containsKey(name) && read.contains(name)) {
          for (Path f : subagentFiles.get(name)) {
            follow(f, Kind.SUBAGENT, listener, errors, present);
          }
        }
      }
      for (Path p : sessions) {
        if (read.contains(sessionId(p))) {
          follow(p, Kind.SESSION, listener, errors, present);
        }
      }
    }
    files.keySet().retainAll(present);
  }

  private static String sessionId(Path transcript) {
    String name = transcript.getFileName().toString();
    return name.substring(0, name.length() - ".jsonl".length());
  }

  /**
   * Whether to read these files now: always without {@code since}, or when one of them is
   * followed already or was written at or after {@code since} (one that cannot be read counts as
   * written: {@link #follow} reports it).
   */
  private boolean toRead(List<Path> group) {
    if (since == null) {
      return true;
    }
    for (Path p : group) {
      if (files.containsKey(p)) {
        return true;
      }
      try {
        if (Files.getLastModifiedTime(p).compareTo(since) >= 0) {
          return true;
        }
      } catch (NoSuchFileException e) {
        // not there (a session directory without its transcript yet)
      } catch (IOException e) {
        return true;
      }
    }
    return false;
  }

  private enum Kind { SESSION, SUBAGENT, FLAT_AGENT }

  private void follow(Path path, Kind kind, Listener listener, IngestErrors errors,
      Set<Path> present) {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return; // vanished (or a broken link): forgotten below
    } catch (IOException e) {
      errors.report(new IngestError(path, 0, "cannot read: " + LineReader.describe(e)));
      return;
    }
    if (!a.isRegularFile()) {
      return;
    }
    present.add(path);
    Object key = a.fileKey() != null ? a.fileKey() : a.creationTime();
    Followed f = files.get(path);
    if (f != null && f.key.equals(key) && a.size() == f.readSize) {
      if (f.file.kind() == TranscriptFile.Kind.SUBAGENT && f.file.agentType() == null) {
        f.file = file(path, kind, errors); // the meta file may come after the first lines
      }
      return; // nothing new, or only the same half line
    }
    if (f == null || !f.key.equals(key) || a.size() < f.position.offset()
        || !Arrays.equals(f.lastBytes, lastBytes(path, f.position.offset()))) {
      // New, replaced, truncated, or rewritten in place to a larger size (the bytes before
      // where we stopped are not the ones we read): from the start. Copies already counted add
      // nothing.
      f = new Followed(file(path, kind, errors), key);
      files.put(path, f);
    }
    f.readSize = a.size();
    f.position = reader.read(f.file, f.position, call -> offer(call, listener), errors);
    f.lastBytes = lastBytes(path, f.position.offset());
  }

  /** The bytes just before {@code offset}: what a file that was only appended to still holds. */
  private static byte[] lastBytes(Path path, long offset) {
    int n = (int) Math.min(offset, FINGERPRINT_BYTES);
    if (n == 0) {
      return EMPTY;
    }
    ByteBuffer b = ByteBuffer.allocate(n);
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      while (b.hasRemaining() && ch.read(b, offset - n + b.position()) > 0) {
        // read on
      }
    } catch (IOException e) {
      return null; // unreadable now: compared unequal, so the next read starts over
    }
    return b.array();
  }

  private static TranscriptFile file(Path path, Kind kind, IngestErrors errors) {
    switch (kind) {
      case SUBAGENT:
        String n = path.getFileName().toString();
        Path meta = path.resolveSibling(n.substring(0, n.length() - ".jsonl".length()) + ".meta.json");
        return TranscriptFile.subagent(path, ClaudeProjects.agentType(meta, errors));
      case FLAT_AGENT:
        return TranscriptFile.flatAgent(path);
      default:
        return TranscriptFile.session(path);
    }
  }

  private void offer(ClaudeCall copy, Listener listener) {
    ResponseDedupe.Counted<ClaudeCall> c = dedupe.offer(copy, first -> first);
    if (c == null) {
      return;
    }
    UsageEvent first = c.attachment().toUsageEvent();
    if (c.isNewCall()) {
      listener.call(first);
      return;
    }
    TokenCounts now = c.current();
    listener.growth(first.toBuilder()
        .tokens(now)
        .idempotencyKey(first.idempotencyKey() + "@" + now.input() + "," + now.output() + ","
            + now.cacheRead() + "," + now.cacheWrite5m() + "," + now.cacheWrite1h())
        .build(), c.previous());
  }

  /** One followed file: its identity, how far it was read, and the size when it was. */
  private static final class Followed {
    TranscriptFile file;
    final Object key;
    Position position = Position.START;
    byte[] lastBytes = EMPTY;
    long readSize = -1;

    Followed(TranscriptFile file, Object key) {
      this.file = file;
      this.key = key;
    }
  }
}
