package dev.tokenmeter.ingest.babysitter;

import static dev.tokenmeter.ingest.JsonFields.amount;
import static dev.tokenmeter.ingest.JsonFields.count;
import static dev.tokenmeter.ingest.JsonFields.countOrZero;
import static dev.tokenmeter.ingest.JsonFields.instant;
import static dev.tokenmeter.ingest.JsonFields.object;
import static dev.tokenmeter.ingest.JsonFields.requiredText;
import static dev.tokenmeter.ingest.JsonFields.text;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.ingest.Directories;
import dev.tokenmeter.ingest.IngestError;
import dev.tokenmeter.ingest.IngestErrors;
import dev.tokenmeter.ingest.InvalidField;
import dev.tokenmeter.ingest.JsonFields;
import dev.tokenmeter.ingest.LineReader;
import dev.tokenmeter.usage.IdempotencyKeys;
import dev.tokenmeter.usage.TokenCounts;
import dev.tokenmeter.usage.UsageEvent;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one babysitter run's journal: {@code <runDir>/journal/NNNNNN.<ULID>.json}, one entry
 * {@code {type, recordedAt, data, checksum}} per file, in file-name order.
 *
 * <ul>
 *   <li>{@code COST_TRACKED} gives usage. Both spellings of the cache fields are read
 *       ({@code cacheCreationTokens} or {@code cacheCreationInputTokens}, {@code cacheReadTokens}
 *       or {@code cacheReadInputTokens}); cache writes are 5-minute writes unless
 *       {@code cacheCreation5mTokens}/{@code cacheCreation1hTokens} split them.
 *   <li>The subagent is {@code agent.name} of {@code tasks/<effectId>/task.json} when there is
 *       one, else {@code taskKind}, else {@code main}.
 *   <li>An entry whose key ({@code idempotencyKey}, else run id and file name) was seen is skipped.
 *   <li>{@code RUN_COMPLETED}, {@code RUN_FAILED}, {@code RUN_HALTED} end the run; other types are
 *       ignored.
 *   <li>The newest file, when it ends mid-JSON, is still being written: it is left for the next
 *       read, not reported; so is an older one changed within the settle time, if one is set
 *       (the read stops there, to keep journal order). Any other that does is an error.
 * </ul>
 *
 * <p>A live tailer keeps the returned last file name and the {@link IdempotencyKeys} and passes
 * them back. Thread-safe and stateless.
 */
public final class JournalReader {

  /** Journal entries are a few KB; a far larger file is not one and is not read. */
  public static final int DEFAULT_MAX_FILE_BYTES = 8 << 20;

  static final Set<String> RUN_END_TYPES = Set.of("RUN_COMPLETED", "RUN_FAILED", "RUN_HALTED");

  private static final Pattern JOURNAL_FILE = Pattern.compile("^(\\d+)\\.[0-9A-Za-z]+\\.json$");
  private static final Pattern SAFE_ID = Pattern.compile("^[0-9A-Za-z_-]{1,128}$");
  private static final Comparator<String> JOURNAL_ORDER =
      Comparator.comparingLong(JournalReader::sequence).thenComparing(Comparator.naturalOrder());

  private final int maxFileBytes;
  private final long settleMillis;

  public JournalReader(int maxFileBytes) {
    this(maxFileBytes, Duration.ZERO);
  }

  /**
   * @param settle how long after its last change an incomplete file that is not the newest is
   *     still taken for one being written (writers of parallel effects can overlap); zero: only
   *     the newest is
   */
  public JournalReader(int maxFileBytes, Duration settle) {
    if (maxFileBytes < 1) {
      throw new IllegalArgumentException("maxFileBytes must be positive, got " + maxFileBytes);
    }
    if (settle.isNegative()) {
      throw new IllegalArgumentException("settle must not be negative, got " + settle);
    }
    this.maxFileBytes = maxFileBytes;
    this.settleMillis = settle.toMillis();
  }

  public JournalReader() {
    this(DEFAULT_MAX_FILE_BYTES);
  }

  /**
   * Reads the entries after the journal file named {@code after} (null: from the start) and
   * returns the name of the last file consumed ({@code after} when there was nothing new).
   * Never throws for bad input.
   */
  public String read(Path runDir, String after, IdempotencyKeys seen, JournalListener listener,
      IngestErrors errors) {
    Path journal = runDir.resolve("journal");
    String run = runDir.getFileName().toString();
    List<String> names = new ArrayList<>();
    for (Path p : new Directories(errors).list(journal)) {
      String n = p.getFileName().toString();
      if (JOURNAL_FILE.matcher(n).matches() && (after == null || JOURNAL_ORDER.compare(n, after) > 0)) {
        names.add(n);
      }
    }
    names.sort(JOURNAL_ORDER);
    Map<String, String> agentNames = new HashMap<>();
    String last = after;
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      Path file = journal.resolve(name);
      boolean writing = i == names.size() - 1 || recentlyChanged(file);
      if (!readEntry(runDir, run, file, writing, seen, agentNames, listener, errors)) {
        break; // the newest file is still being written
      }
      last = name;
    }
    return last;
  }

  /** Returns false only for a newest file that is not complete yet. */
  private boolean readEntry(Path runDir, String run, Path file, boolean newest,
      IdempotencyKeys seen, Map<String, String> agentNames, JournalListener listener,
      IngestErrors errors) {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(maxFileBytes + 1);
    } catch (NoSuchFileException e) {
      errors.report(new IngestError(file, 0, "file disappeared before it could be read"));
      return true;
    } catch (IOException e) {
      errors.report(new IngestError(file, 0, "cannot read: " + LineReader.describe(e)));
      return true;
    }
    if (bytes.length > maxFileBytes) {
      errors.report(new IngestError(file, 0,
          "journal entry is over the limit of " + maxFileBytes + " bytes; skipped"));
      return true;
    }
    JsonNode root;
    try {
      root = JsonFields.readTree(bytes, 0, bytes.length);
    } catch (JsonEOFException e) {
      if (newest) {
        return false;
      }
      errors.report(new IngestError(file, lineOf(e), "entry ends early: " + JsonFields.parseProblem(e)));
      return true;
    } catch (JsonProcessingException e) {
      errors.report(new IngestError(file, lineOf(e), "not valid JSON: " + JsonFields.parseProblem(e)));
      return true;
    } catch (IOException e) {
      errors.report(new IngestError(file, 0, "cannot read: " + LineReader.describe(e)));
      return true;
    }
    if (root == null || root.isMissingNode()) {
      if (newest) {
        return false;
      }
      errors.report(new IngestError(file, 0, "journal entry is empty"));
      return true;
    }
    try {
      if (!root.isObject()) {
        throw new InvalidField("entry", "is not a JSON object");
      }
      String type = requiredText(root, "type", "type");
      if (RUN_END_TYPES.contains(type)) {
        listener.runEnded(new RunEnd(run, type, instant(root, "recordedAt", "recordedAt"), file));
      } else if (type.equals("COST_TRACKED")) {
        JournalUsage u = usage(runDir, run, root, file, agentNames, errors);
        if (seen.claim(u.event().idempotencyKey())) {
          listener.usage(u);
        }
      }
    } catch (InvalidField e) {
      errors.report(new IngestError(file, lineOf(bytes, e.path()), e.getMessage()));
    } catch (IllegalArgumentException e) {
      errors.report(new IngestError(file, 0, e.getMessage()));
    }
    return true;
  }

  private static JournalUsage usage(Path runDir, String run, JsonNode root, Path file,
      Map<String, String> agentNames, IngestErrors errors) throws InvalidField {
    JsonNode data = object(root, "data", "data");
    if (data == null) {
      throw new InvalidField("data", "is missing");
    }
    String model = requiredText(data, "model", "data.model");
    long input = countOrZero(data, "inputTokens", "data.inputTokens");
    long output = countOrZero(data, "outputTokens", "data.outputTokens");
    Long read = count(data, "cacheReadTokens", "data.cacheReadTokens");
    if (read == null) {
      read = countOrZero(data, "cacheReadInputTokens", "data.cacheReadInputTokens");
    }
    Long writes = count(data, "cacheCreationTokens", "data.cacheCreationTokens");
    if (writes == null) {
      writes = countOrZero(data, "cacheCreationInputTokens", "data.cacheCreationInputTokens");
    }
    Long w5 = count(data, "cacheCreation5mTokens", "data.cacheCreation5mTokens");
    Long w1 = count(data, "cacheCreation1hTokens", "data.cacheCreation1hTokens");
    long write5m = writes;
    long write1h = 0;
    if (w5 != null || w1 != null) {
      // The split is the more specific record; a total above it leaves the rest at 5 minutes.
      write1h = w1 == null ? 0 : w1;
      write5m = Math.max(w5 == null ? 0 : w5, writes - write1h);
    }
    String effectId = text(data, "effectId", "data.effectId");
    String taskKind = text(data, "taskKind", "data.taskKind");
    String key = text(data, "idempotencyKey", "data.idempotencyKey");
    if (key == null || key.isEmpty()) {
      key = run + "/" + file.getFileName();
    }
    Instant at = instant(data, "timestamp", "data.timestamp");
    if (at == null) {
      at = instant(root, "recordedAt", "recordedAt");
    }
    BigDecimal cost = amount(data, "costUsd", "data.costUsd");
    if (cost == null) {
      cost = amount(data, "costUSD", "data.costUSD");
    }
    String subagent = agentName(runDir, effectId, agentNames, errors);
    if (subagent == null) {
      subagent = taskKind;
    }
    UsageEvent event = UsageEvent.builder()
        .run(run)
        .session(text(data, "sessionId", "data.sessionId"))
        .subagent(subagent)
        .model(model)
        .provider(text(data, "provider", "data.provider"))
        .tokens(TokenCounts.of(input, output, read, write5m, write1h))
        .timestamp(at)
        .idempotencyKey(key)
        .build();
    return new JournalUsage(event, effectId, taskKind, cost, file);
  }

  /** {@code agent.name} of the effect's task.json, or null when there is none. Cached per read. */
  private static String agentName(
      Path runDir, String effectId, Map<String, String> cache, IngestErrors errors) {
    if (effectId == null || !SAFE_ID.matcher(effectId).matches()) {
      return null; // never let a journal field walk out of the run directory
    }
    if (cache.containsKey(effectId)) {
      return cache.get(effectId);
    }
    Path task = runDir.resolve("tasks").resolve(effectId).resolve("task.json");
    String name = null;
    try {
      if (Files.isRegularFile(task) && Files.size(task) <= DEFAULT_MAX_FILE_BYTES) {
        byte[] b = Files.readAllBytes(task);
        JsonNode root = JsonFields.readTree(b, 0, b.length);
        JsonNode agent = root == null || !root.isObject() ? null : object(root, "agent", "agent");
        name = agent == null ? null : text(agent, "name", "agent.name");
        if (name != null && name.isBlank()) {
          name = null;
        }
      }
    } catch (InvalidField e) {
      errors.report(new IngestError(task, 0, e.getMessage()));
    } catch (JsonProcessingException e) {
      errors.report(new IngestError(task, lineOf(e), "not valid JSON: " + JsonFields.parseProblem(e)));
    } catch (IOException e) {
      errors.report(new IngestError(task, 0, "cannot read: " + LineReader.describe(e)));
    }
    cache.put(effectId, name);
    return name;
  }

  private boolean recentlyChanged(Path file) {
    if (settleMillis == 0) {
      return false;
    }
    try {
      long age = System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis();
      return age < settleMillis;
    } catch (IOException e) {
      return false;
    }
  }

  private static long sequence(String journalFileName) {
    Matcher m = JOURNAL_FILE.matcher(journalFileName);
    if (!m.matches()) {
      return Long.MAX_VALUE;
    }
    String digits = m.group(1);
    return digits.length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits);
  }

  private static long lineOf(JsonProcessingException e) {
    return e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getLineNr());
  }

  /**
   * The line of the field at a dotted path in a pretty-printed entry, for messages; the line of
   * its parent object when the field is missing; 0 when neither is there (the message still
   * names the field).
   */
  static long lineOf(byte[] json, String dottedPath) {
    String[] path = dottedPath.split("\\.");
    try (JsonParser p = JsonFields.READER.getFactory().createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return 0;
      }
      int depth = 0;
      long parentLine = 0; // a missing field is reported at its parent's line
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        if (!p.currentName().equals(path[depth])) {
          p.nextToken();
          p.skipChildren();
          continue;
        }
        long line = p.currentTokenLocation().getLineNr();
        if (depth == path.length - 1 || p.nextToken() != JsonToken.START_OBJECT) {
          return line;
        }
        parentLine = line;
        depth++;
      }
      return parentLine;
    } catch (IOException e) {
      return 0;
    }
  }
}
