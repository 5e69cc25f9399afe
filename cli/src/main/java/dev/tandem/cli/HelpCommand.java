package dev.tandem.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem help [COMMAND [SUBCOMMAND…]]}: the help of any command, nested ones included. */
@Command(name = "help", helpCommand = true, description = "Show the help of a command: tandem help service register.")
final class HelpCommand implements Runnable {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "a command and its subcommands")
  List<String> path = new ArrayList<>();

  @Override
  public void run() {
    CommandLine target = spec.root().commandLine();
    for (String name : path) {
      CommandLine next = target.getSubcommands().get(name);
      if (next == null) {
        throw new Errors.UserException("no command '" + String.join(" ", path) + "'; tandem --help lists them");
      }
      target = next;
    }
    target.usage(System.out);
  }
}
