package dev.tandem.cli;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * Turns exceptions from commands into one line on stderr and an exit code: 2 for bad input (arguments, files,
 * formats), 1 for failures of the work itself. A stack trace is printed only with {@code TANDEM_DEBUG=1}.
 */
final class Errors implements CommandLine.IExecutionExceptionHandler {
  static final int FAILED = 1;
  static final int BAD_INPUT = 2;

  @Override
  public int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    if (System.getenv("TANDEM_DEBUG") != null) {
      e.printStackTrace();
    }
    String message = switch (e) {
      case NoSuchFileException nsf -> "no such file: " + nsf.getFile();
      case UserException u -> u.getMessage();
      case IllegalArgumentException iae -> iae.getMessage();
      case IOException io -> io.getClass().getSimpleName() + ": " + io.getMessage();
      default -> e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    };
    cl.getErr().println("tandem " + cl.getCommandName() + ": " + message);
    cl.getErr().flush();
    return e instanceof UserException u ? u.exitCode()
        : (e instanceof IllegalArgumentException || e instanceof IOException) ? BAD_INPUT : FAILED;
  }

  /** An error the user can fix, with its exit code. */
  static final class UserException extends RuntimeException {
    private final int exitCode;

    UserException(String message) {
      this(message, BAD_INPUT);
    }

    UserException(String message, int exitCode) {
      super(message);
      this.exitCode = exitCode;
    }

    int exitCode() {
      return exitCode;
    }
  }
}
