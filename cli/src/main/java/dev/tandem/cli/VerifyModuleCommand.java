package dev.tandem.cli;

import dev.tandem.core.cid.Cid;
import dev.tandem.sandbox.Abi;
import dev.tandem.sandbox.ModuleRejectedException;
import dev.tandem.sandbox.ModuleReport;
import dev.tandem.sandbox.ModuleValidator;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.VerifierModule;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tandem verify-module}: the checks a node makes before it runs a module (ABI, imports, exports, instruction
 * set, metering, compilation), without running it.
 */
@Command(name = "verify-module", mixinStandardHelpOptions = true,
    description = {"Check that a WebAssembly module can run as a service or verifier, without calling it.",
        "Prints 'acceptable: <abi>, exports …, imports …' or every reason it is rejected.",
        "Exit codes: 0 acceptable, 1 rejected, 2 bad input."})
final class VerifyModuleCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "the module (.wasm)")
  Path file;

  @Option(names = "--abi", paramLabel = "ABI", description = "tandem-v1, wasi-command or verifier (default: "
      + "verifier if the module exports verify, wasi-command if it exports _start, else tandem-v1)")
  String abi;

  @Override
  public Integer call() {
    byte[] wasm = ModuleFiles.read(file);
    Abi chosen = ModuleFiles.abi(abi, wasm);
    PrintWriter out = spec.commandLine().getOut();
    ModuleReport report = ModuleValidator.validate(wasm, chosen);
    String extra = "";
    if (report.acceptable()) {
      // Loading also meters, compiles and instantiates it once, which can find more problems.
      String cid = Cid.rawSha256(wasm).toString();
      try (Sandbox sandbox = Sandbox.builder().threads(1).build()) {
        if (chosen == Abi.VERIFIER) {
          VerifierModule v = sandbox.loadVerifier(cid, wasm);
          extra = ", minRequests " + v.minRequests();
        } else {
          sandbox.load(cid, wasm, chosen);
        }
      } catch (ModuleRejectedException e) {
        report = e.report();
      }
    }
    if (report.acceptable()) {
      out.println(report.summary() + extra);
      out.flush();
      return 0;
    }
    out.println(file + " is not acceptable as " + chosen.id() + ":");
    for (String reason : report.problems()) {
      out.println("  - " + reason);
    }
    out.flush();
    return Errors.FAILED;
  }
}
