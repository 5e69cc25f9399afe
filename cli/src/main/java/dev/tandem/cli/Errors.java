package dev.tandem.cli;

import dev.tandem.client.NodeClient;
import dev.tandem.registry.evm.EvmException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine;

/**
 * Turns errors into one line on stderr, prefixed by the command as typed ({@code tandem service register: …}), and
 * an exit code: 2 for bad input (arguments, files, formats, a request a node refuses), 1 for a job that failed
 * (a node or chain that cannot be reached, an unverifiable answer). A stack trace is printed only with
 * {@code TANDEM_DEBUG=1}.
 */
final class Errors implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
  static final int FAILED = 1;
  static final int BAD_INPUT = 2;
  /** JSON-RPC codes by which a node says the request itself is wrong: invalid params, no admin token, rejected. */
  private static final java.util.Set<Integer> REFUSED = java.util.Set.of(-32602, -32600, -32007, -32008);

  @Override
  public int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    if (System.getenv("TANDEM_DEBUG") != null) {
      e.printStackTrace();
    }
    return print(cl, message(e), exitCode(e));
  }

  /** A command line picocli could not parse: one line naming what is wrong, and where the help is. */
  @Override
  public int handleParseException(CommandLine.ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    String message = e.getMessage();
    if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
      message += " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)";
    }
    return print(cl, oneLine(message) + "; see " + prefix(cl) + " --help", BAD_INPUT);
  }

  static int print(CommandLine cl, String message, int code) {
    cl.getErr().println(prefix(cl) + ": " + oneLine(message));
    cl.getErr().flush();
    return code;
  }

  /** The command as typed: {@code tandem service register}. */
  static String prefix(CommandLine cl) {
    return cl.getCommandSpec().qualifiedName(" ");
  }

  static String message(Throwable e) {
    return switch (e) {
      case UserException u -> u.getMessage();
      case NoSuchFileException nsf -> "no such file: " + nsf.getFile();
      case FileAlreadyExistsException fae -> fae.getFile() + " already exists"
          + (fae.getReason() == null ? "" : "; " + fae.getReason());
      case AccessDeniedException ade -> "permission denied: " + ade.getFile();
      case NotDirectoryException nde -> "not a directory: " + nde.getFile();
      case FileSystemException fse -> fse.getFile() + ": " + (fse.getReason() == null ? "cannot use it"
          : fse.getReason());
      case NodeClient.NodeException ne -> "the node refused: " + ne.getMessage();
      case IOException io -> io.getMessage() == null ? io.getClass().getSimpleName() : io.getMessage();
      case IllegalArgumentException iae -> iae.getMessage();
      case EvmException ee -> ee.getMessage();
      default -> e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    };
  }

  static int exitCode(Throwable e) {
    return switch (e) {
      case UserException u -> u.exitCode();
      case FileSystemException fse -> BAD_INPUT; // a file named on the command line
      case NodeClient.NodeException ne -> REFUSED.contains(ne.code()) ? BAD_INPUT : FAILED;
      case IOException io -> FAILED; // a node, a chain or the network: the job failed, the input was fine
      case IllegalArgumentException iae -> BAD_INPUT;
      default -> FAILED;
    };
  }

  private static String oneLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).strip();
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
