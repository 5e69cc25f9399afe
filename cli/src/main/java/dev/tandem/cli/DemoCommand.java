package dev.tandem.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "demo", description = "Start a live local network, run verified calls, print a summary.",
    mixinStandardHelpOptions = true)
final class DemoCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.out.println("""
        The live network demo is not built yet. What works today:
          ./tandem cid FILE [--kubo [--cid-version 1]]   content ids of modules
          ./tandem keygen --out FILE                     an Ed25519 identity
          ./tandem test                                  the whole test suite""");
    return 0;
  }
}
