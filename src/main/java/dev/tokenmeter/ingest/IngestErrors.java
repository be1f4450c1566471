package dev.tokenmeter.ingest;

/** Where readers report bad input. Readers never throw for bad input; they call this once. */
@FunctionalInterface
public interface IngestErrors {

  void report(IngestError error);

  /** Drops every error; for callers that only want the good events. */
  static IngestErrors ignore() {
    return e -> {};
  }
}
