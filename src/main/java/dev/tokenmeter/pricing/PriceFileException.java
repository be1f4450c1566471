package dev.tokenmeter.pricing;

/**
 * A price file that cannot be used. The message names the file, the line and the field, as in
 * {@code prices.yaml:14: models[2].per_million.output: expected a decimal number, got "abc"}, so
 * that a user can fix it without reading code.
 */
public final class PriceFileException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String file;
  private final int line;
  private final String field;
  private final String problem;

  PriceFileException(String file, int line, String field, String problem) {
    super(format(file, line, field, problem));
    this.file = file;
    this.line = line;
    this.field = field;
    this.problem = problem;
  }

  private static String format(String file, int line, String field, String problem) {
    StringBuilder sb = new StringBuilder(file);
    if (line > 0) {
      sb.append(':').append(line);
    }
    sb.append(": ");
    if (!field.isEmpty()) {
      sb.append(field).append(": ");
    }
    return sb.append(problem).toString();
  }

  /** The file (or resource) as the caller named it. */
  public String file() {
    return file;
  }

  /** The 1-based line, or 0 when the problem has no line (an unreadable file). */
  public int line() {
    return line;
  }

  /** The field's path such as {@code models[2].per_million.output}, or "" for syntax errors. */
  public String field() {
    return field;
  }

  /** The problem alone, without file, line and field. */
  public String problem() {
    return problem;
  }
}
