package dev.tokenmeter.ingest.babysitter;

/** Receives what a journal says, in journal order. */
public interface JournalListener {

  /** A {@code COST_TRACKED} entry not seen before. */
  void usage(JournalUsage usage);

  /** The run ended. */
  default void runEnded(RunEnd end) {}
}
