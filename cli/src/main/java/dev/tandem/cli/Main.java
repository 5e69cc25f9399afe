package dev.tandem.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

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
        AdminCommands.Offer.class,
        AdminCommands.Withdraw.class,
        AdminCommands.Reward.class,
        AdminCommands.Status.class,
        ScoresCommand.class,
        RegistryListCommands.Services.class,
        RegistryListCommands.Servers.class,
        ReciprocityCommand.class,
        RunModuleCommand.class,
        VerifyModuleCommand.class,
        SimulateCommand.class,
        HelpCommand.class})
public final class Main implements Runnable {
  /** How log lines look on stderr. */
  enum LogFormat { text, json }

  /** On every command: how log lines look on stderr. */
  @picocli.CommandLine.Option(names = "--log-format", paramLabel = "FORMAT", scope = CommandLine.ScopeType.INHERIT,
      description = "log lines on stderr as text (time, level, thread, logger, message; the default) or json (one "
          + "object per line)")
  void logFormat(LogFormat format) {
    if (format == LogFormat.json) {
      JsonLogStream.install();
    }
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    quietClientCommands(args);
    System.exit(commandLine().execute(args));
  }

  /**
   * A client command prints its answer; the SDK's INFO lines (chain reads, convictions) show only with
   * {@code --verbose}. A node and the demo (whose nodes log to a file) keep their logs.
   */
  private static void quietClientCommands(String[] args) {
    boolean server = args.length > 0 && (args[0].equals("node") || args[0].equals("demo"));
    if (!server && !java.util.Arrays.asList(args).contains("--verbose")
        && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }
  }

  /** The configured command line: user errors print one clear line, not a stack trace. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setUsageHelpWidth(150); // one line per command in --help
    NodeCommand.addLimitOptions(cl.getSubcommands().get("node"));
    Errors errors = new Errors();
    cl.setExecutionExceptionHandler(errors);
    cl.setParameterExceptionHandler(errors);
    cl.registerConverter(java.net.URI.class, Urls::parse);
    addHelpOptions(cl);
    return cl;
  }

  /**
   * Gives every command a {@code --help}, also those whose own {@code --version} option (a service's version label)
   * keeps picocli from mixing in the standard pair, so {@code tandem service register --help} shows the help.
   */
  private static void addHelpOptions(CommandLine cl) {
    CommandSpec spec = cl.getCommandSpec();
    if (spec.options().stream().noneMatch(OptionSpec::usageHelp) && !spec.helpCommand()) {
      spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
          .description("Show this help message and exit.").build());
    }
    cl.getSubcommands().values().forEach(Main::addHelpOptions);
  }
}
