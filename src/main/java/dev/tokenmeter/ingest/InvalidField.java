package dev.tokenmeter.ingest;

/**
 * A field of an input record is missing or wrong. Checked, so that a parser cannot forget it;
 * readers turn it into one {@link IngestError} and move on.
 */
public final class InvalidField extends Exception {

  private final String path;

  /** @param path the field, dotted from the record's root, e.g. {@code message.usage.input_tokens} */
  public InvalidField(String path, String problem) {
    super(path + " " + problem, null, false, false);
    this.path = path;
  }

  public String path() {
    return path;
  }
}
