package dev.tandem.sandbox.meter;

/**
 * A module could not be instrumented: it is malformed, or it uses a feature the metering cannot make
 * deterministic (SIMD, threads, exception handling, GC, memory64).
 *
 * <p>The message says what is wrong and where: the function index (in the module's function index space,
 * imports included) when the problem is inside a function body, and the byte offset in the original module.
 */
public final class InstrumentException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int offset;
  private final int functionIndex;

  /** A problem at {@code offset} in the module, outside any function body. */
  public InstrumentException(String message, int offset) {
    this(message, offset, -1);
  }

  /** A problem at {@code offset} inside the body of function {@code functionIndex} ({@code -1} if none). */
  public InstrumentException(String message, int offset, int functionIndex) {
    super(describe(message, offset, functionIndex));
    this.offset = offset;
    this.functionIndex = functionIndex;
  }

  private static String describe(String message, int offset, int functionIndex) {
    String where = functionIndex >= 0
        ? "function " + functionIndex + ", byte offset " + offset
        : "byte offset " + offset;
    return message + " (" + where + ")";
  }

  /** Byte offset in the original module, or -1 when not known. */
  public int offset() {
    return offset;
  }

  /** Function index (imports included), or -1 when the problem is not inside a function body. */
  public int functionIndex() {
    return functionIndex;
  }
}
