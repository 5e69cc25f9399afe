package dev.tandem.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * A command's flags kept in a file ({@code tandem node --config FILE}): one flag a line, as {@code --listen
 * 127.0.0.1:7400}, {@code listen = 127.0.0.1:7400} or {@code listen: 127.0.0.1:7400}; a repeatable flag on several
 * lines; {@code #} starts a comment line. A flag given on the command line wins over the file: a single value
 * replaces the file's, a repeatable flag's values replace all of the file's.
 */
final class FlagFile {
  private FlagFile() {}

  /** The file as command-line arguments. */
  static List<String> args(String option, Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (NoSuchFileException e) {
      throw new Errors.UserException(option + ": no such file: " + file);
    } catch (IOException e) {
      throw new Errors.UserException(option + ": cannot read " + file + ": " + e.getMessage());
    }
    List<String> args = new ArrayList<>();
    for (String raw : lines) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String flag = line.startsWith("--") ? line.substring(2) : line;
      int end = 0;
      while (end < flag.length() && !Character.isWhitespace(flag.charAt(end)) && flag.charAt(end) != '='
          && flag.charAt(end) != ':') {
        end++;
      }
      String value = flag.substring(end).strip();
      if (value.startsWith("=") || value.startsWith(":")) {
        value = value.substring(1).strip();
      }
      args.add("--" + flag.substring(0, end));
      if (!value.isEmpty()) {
        args.add(unquote(value));
      }
    }
    return args;
  }

  /**
   * Sets every option the file names and the command line does not on {@code target}, parsing the file with a
   * fresh command of the same kind ({@code fresh}) so that the file is checked exactly as flags are.
   */
  static void merge(String option, Path file, CommandLine target, CommandLine fresh, Set<String> skip) {
    ParseResult fromFile;
    try {
      fromFile = fresh.parseArgs(args(option, file).toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new Errors.UserException(option + " " + file + ": " + e.getMessage());
    }
    ParseResult given = target.getParseResult();
    for (OptionSpec o : fromFile.matchedOptions()) {
      if (o.longestName().equals(option)) {
        throw new Errors.UserException(option + " " + file + ": a config file cannot name another");
      }
      if (!given.hasMatchedOption(o.longestName()) && !skip.contains(o.longestName())) {
        target.getCommandSpec().findOption(o.longestName()).setValue(o.getValue());
      }
    }
  }

  private static String unquote(String v) {
    boolean quoted = v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'")
        && v.endsWith("'"));
    return quoted ? v.substring(1, v.length() - 1) : v;
  }
}
