package dev.tokenmeter.budget;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ControlStore} in a local directory: one JSON file per run under {@code runs/} and per
 * session under {@code sessions/}. Each write goes to a temporary file that is synced and then
 * renamed over the old one, so a kill -9 at any point leaves the old record or the new one.
 *
 * <p>File names are derived from ids by percent-encoding (and hashing when long), so no id can
 * name a path outside the directory.
 */
public final class DirectoryControlStore implements ControlStore {

  private static final Logger log = LoggerFactory.getLogger(DirectoryControlStore.class);
  private static final String SUFFIX = ".json";

  private final Path runsDir;
  private final Path sessionsDir;
  private final ObjectMapper json;

  public DirectoryControlStore(Path dir) {
    this.runsDir = dir.resolve("runs");
    this.sessionsDir = dir.resolve("sessions");
    try {
      Files.createDirectories(runsDir);
      Files.createDirectories(sessionsDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create state directory " + dir + ": " + e.getMessage(), e);
    }
    this.json = mapper();
  }

  static ObjectMapper mapper() {
    SimpleModule money = new SimpleModule();
    money.addSerializer(BigDecimal.class, new PlainDecimalSerializer());
    return new ObjectMapper()
        .registerModule(new JavaTimeModule())
        .registerModule(money)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  }

  @Override
  public Map<String, RunControl> loadRuns() {
    Map<String, RunControl> out = new HashMap<>();
    for (Path f : list(runsDir)) {
      try {
        RunControl rc = json.readValue(f.toFile(), RunControl.class);
        out.put(rc.run(), rc);
      } catch (IOException | RuntimeException e) {
        // A record that cannot be read is reported, not fatal: the others still hold.
        log.error("state file {} is unreadable and was skipped: {}", f, e.getMessage());
      }
    }
    return out;
  }

  @Override
  public Map<String, BigDecimal> loadSessionBudgets() {
    Map<String, BigDecimal> out = new HashMap<>();
    for (Path f : list(sessionsDir)) {
      try {
        SessionRecord s = json.readValue(f.toFile(), SessionRecord.class);
        if (s.budgetUsd() != null) {
          out.put(s.session(), s.budgetUsd());
        }
      } catch (IOException | RuntimeException e) {
        log.error("state file {} is unreadable and was skipped: {}", f, e.getMessage());
      }
    }
    return out;
  }

  @Override
  public void saveRun(RunControl run) {
    write(runsDir.resolve(fileName(run.run())), run);
  }

  @Override
  public void deleteRun(String run) {
    try {
      Files.deleteIfExists(runsDir.resolve(fileName(run)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void saveSessionBudget(String session, BigDecimal budgetUsd) {
    Path f = sessionsDir.resolve(fileName(session));
    if (budgetUsd == null) {
      try {
        Files.deleteIfExists(f);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return;
    }
    write(f, new SessionRecord(session, budgetUsd));
  }

  private void write(Path target, Object value) {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try {
      byte[] bytes = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(value);
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      syncDirectory(target.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  private static void syncDirectory(Path dir) {
    // Makes the rename itself durable; not every platform allows opening a directory.
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // best effort
    }
  }

  private static Iterable<Path> list(Path dir) {
    java.util.List<Path> files = new java.util.ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      ds.forEach(files::add);
    } catch (NoSuchFileException e) {
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    return files;
  }

  /** A file name for an id: percent-encoded, dots included, hashed when too long for a file system. */
  static String fileName(String id) {
    StringBuilder sb = new StringBuilder();
    for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    if (sb.length() > 180) {
      try {
        byte[] h = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
        return sb.substring(0, 100) + "~" + HexFormat.of().formatHex(h) + SUFFIX;
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    return sb + SUFFIX;
  }

  record SessionRecord(String session, BigDecimal budgetUsd) {}

  /** Money as a plain decimal string, never a float or an exponent. */
  static final class PlainDecimalSerializer extends StdSerializer<BigDecimal> {
    PlainDecimalSerializer() {
      super(BigDecimal.class);
    }

    @Override
    public void serialize(BigDecimal value, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      gen.writeString(value.toPlainString());
    }
  }
}
