package dev.tokenmeter.ingest;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Lists directories for one scan, safely: each directory is listed at most once by its real path,
 * so a symlink loop or a second link to the same directory neither recurses nor counts twice;
 * directories that cannot be listed are reported, not thrown. Not thread-safe; one per scan.
 *
 * <p>Memory: one real path per directory listed (runs and sessions), not per file or event.
 */
public final class Directories {

  private final Set<Path> listed = new HashSet<>();
  private final IngestErrors errors;

  public Directories(IngestErrors errors) {
    this.errors = errors;
  }

  /**
   * The entries of {@code dir} sorted by name; empty, after one report, when it cannot be listed
   * or was listed before under another path.
   */
  public List<Path> list(Path dir) {
    Path real;
    try {
      real = dir.toRealPath();
    } catch (NoSuchFileException e) {
      errors.report(new IngestError(dir, 0, "directory does not exist (or disappeared)"));
      return List.of();
    } catch (IOException e) {
      // ELOOP ("Too many levels of symbolic links") lands here.
      errors.report(new IngestError(dir, 0, "cannot resolve: " + LineReader.describe(e)));
      return List.of();
    }
    if (!listed.add(real)) {
      errors.report(new IngestError(dir, 0,
          "skipped: it is " + real + ", already read (a symlink loop or a second link)"));
      return List.of();
    }
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        out.add(p);
      }
    } catch (IOException | RuntimeException e) {
      errors.report(new IngestError(dir, 0, "cannot list directory: " + LineReader.describe(e)));
      return List.of();
    }
    out.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
    return out;
  }
}
