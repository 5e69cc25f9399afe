package dev.tandem.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tandem} command: one entry point, one subcommand per job. */
@Command(
    name = "tandem",
    mixinStandardHelpOptions = true,
    version = "tandem 0.1.0",
    description = "Run stateless, deterministic services on many nodes and verify their answers.",
    commandListHeading = "%nCommands:%n",
    subcommands = {
        DemoCommand.class,
        BenchCommand.class,
        TestCommand.class,
        CidCommand.class,
        AddCommand.class,
        KeygenCommand.class,
        NodeCommand.class,
        ServiceCommand.class,
        RegistryCommand.class,
        CallCommand.class,
        ScoresCommand.class,
        RegistryListCommands.Services.class,
        RegistryListCommands.Servers.class,
        ReciprocityCommand.class,
        RunModuleCommand.class,
        VerifyModuleCommand.class,
        SimulateCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line: user errors print one clear line, not a stack trace. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setUsageHelpWidth(150); // one line per command in --help
    NodeCommand.addLimitOptions(cl.getSubcommands().get("node"));
    cl.setExecutionExceptionHandler(new Errors());
    return cl;
  }
}
