package dev.tandem.core.record;

/** A record that is malformed, invalid or wrongly signed. {@link #field()} names the offending field. */
public final class RecordException extends IllegalArgumentException {
  private final String field;
  private final String problem;

  public RecordException(String field, String problem) {
    super(field + ": " + problem);
    this.field = field;
    this.problem = problem;
  }

  /** The same problem, reported under a field of an enclosing object ({@code limits.fuel}). */
  public RecordException within(String parent) {
    return new RecordException(parent + "." + field, problem);
  }

  public String problem() {
    return problem;
  }

  public String field() {
    return field;
  }
}
