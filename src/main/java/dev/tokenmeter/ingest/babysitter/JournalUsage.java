package dev.tokenmeter.ingest.babysitter;

import dev.tokenmeter.usage.UsageEvent;
import java.math.BigDecimal;
import java.nio.file.Path;

/**
 * The usage of one {@code COST_TRACKED} journal entry. Its event usually sums all the model calls
 * of one effect, so no per-request long-context tier can be decided for it. Immutable.
 */
public final class JournalUsage {

  private final UsageEvent event;
  private final String effectId;
  private final String taskKind;
  private final BigDecimal reportedCostUsd;
  private final Path file;

  JournalUsage(UsageEvent event, String effectId, String taskKind, BigDecimal reportedCostUsd,
      Path file) {
    this.event = event;
    this.effectId = effectId;
    this.taskKind = taskKind;
    this.reportedCostUsd = reportedCostUsd;
    this.file = file;
  }

  /** The usage; its idempotency key is never null (run id and file name when the entry has none). */
  public UsageEvent event() {
    return event;
  }

  /** The effect the cost belongs to, or null. */
  public String effectId() {
    return effectId;
  }

  /** The task kind ({@code agent}, {@code node}, ...), or null. */
  public String taskKind() {
    return taskKind;
  }

  /** {@code costUsd} as the entry reported it, or null. */
  public BigDecimal reportedCostUsd() {
    return reportedCostUsd;
  }

  /** The journal file. */
  public Path file() {
    return file;
  }

  @Override
  public String toString() {
    return "JournalUsage{" + event + ", file=" + file.getFileName() + "}";
  }
}
