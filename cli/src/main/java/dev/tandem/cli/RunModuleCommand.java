package dev.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.sandbox.Abi;
import dev.tandem.sandbox.Limits;
import dev.tandem.sandbox.ModuleRejectedException;
import dev.tandem.sandbox.Outcome;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.ServiceModule;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tandem run-module}: runs one request through the sandbox exactly as a node would (metered, limited, fresh
 * instance) and prints the canonical response, so a service author can try a module before registering it.
 */
@Command(name = "run-module", mixinStandardHelpOptions = true,
    description = {"Run one call of a local WebAssembly module in the sandbox, as a node would, and print the response.",
        "stdout: the canonical response JSON; stderr: the module's stderr, then outcome=<kind> fuel=<n>.",
        "Exit codes: 0 result, 1 service error, trap or timeout, 2 bad input (file, params, rejected module)."})
final class RunModuleCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "the module (.wasm)")
  Path file;

  @Option(names = "--method", required = true, paramLabel = "M", description = "the method to call")
  String method;

  @Option(names = "--params", paramLabel = "JSON", defaultValue = "null",
      description = "the params, as JSON (default: null)")
  String params;

  @Option(names = "--abi", paramLabel = "ABI",
      description = "tandem-v1 or wasi-command (default: wasi-command if the module exports _start, else tandem-v1)")
  String abi;

  @Option(names = "--fuel", paramLabel = "N", description = "fuel budget (default ${DEFAULT-VALUE})",
      defaultValue = "1000000000")
  long fuel;

  @Option(names = "--memory-pages", paramLabel = "N", defaultValue = "256",
      description = "memory limit in 64 KiB pages (default ${DEFAULT-VALUE}, 16 MiB)")
  int memoryPages;

  @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "5000",
      description = "wall-clock deadline (default ${DEFAULT-VALUE})")
  long timeoutMs;

  @Option(names = "--name", paramLabel = "NAME",
      description = "the service name a WASI command sees as argv[0] (default: the module's CID)")
  String name;

  @Option(names = "--interpret", description = "interpret instead of compiling (same outcome and fuel, slower)")
  boolean interpret;

  @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "chicory",
      description = "chicory (default) or graalwasm: the same outcome and fuel on both")
  String engine;

  @Option(names = "--json", description = "print one JSON object: outcome, fuel, response, detail, stderr")
  boolean json;

  @Override
  public Integer call() throws Exception {
    byte[] wasm = ModuleFiles.read(file);
    byte[] request = request();
    Limits limits;
    try {
      limits = Limits.builder().fuel(fuel).memoryPages(memoryPages).timeout(Duration.ofMillis(timeoutMs)).build();
    } catch (IllegalArgumentException e) {
      throw new Errors.UserException(e.getMessage());
    }
    Abi chosen = ModuleFiles.abi(abi, wasm);
    if (chosen == Abi.VERIFIER) {
      throw new Errors.UserException("this is a verifier module; run-module runs tandem-v1 and wasi-command services");
    }
    String cid = Cid.rawSha256(wasm).toString();
    if (!dev.tandem.sandbox.Engines.available().contains(engine)) {
      throw new Errors.UserException("--engine must be one of " + String.join(", ",
          dev.tandem.sandbox.Engines.available()) + ", got '" + engine + "'");
    }
    try (Sandbox sandbox = Sandbox.builder().threads(1).compiled(!interpret).engine(engine).build()) {
      ServiceModule module;
      try {
        module = sandbox.load(cid, wasm, chosen);
      } catch (ModuleRejectedException e) {
        throw new Errors.UserException(file + ": " + e.getMessage());
      }
      Outcome outcome = sandbox.call(name == null ? module : module.withName(name), request, limits);
      print(outcome);
      return outcome instanceof Outcome.Result ? 0 : Errors.FAILED;
    }
  }

  private byte[] request() {
    JsonNode p;
    try {
      p = Json.parse(params);
    } catch (JsonFormatException e) {
      throw new Errors.UserException("--params is not JSON: " + e.getMessage());
    }
    ObjectNode call = Json.object();
    call.put("method", method);
    call.set("params", p);
    try {
      return Jcs.canonicalize(call);
    } catch (JsonFormatException e) {
      throw new Errors.UserException("--params cannot be canonicalized: " + e.getMessage());
    }
  }

  private void print(Outcome outcome) throws JsonFormatException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    byte[] response = switch (outcome) {
      case Outcome.Deterministic d -> d.responseJson();
      case Outcome.NonDeterministic n -> n.errorJson();
    };
    String detail = switch (outcome) {
      case Outcome.Trap t -> t.detail();
      case Outcome.NonDeterministic n -> n.detail();
      default -> null;
    };
    if (json) {
      ObjectNode all = Json.object();
      all.put("outcome", outcome.label());
      all.put("deterministic", outcome.deterministic());
      all.put("fuel", outcome.fuel());
      all.set("response", Json.parse(response));
      if (detail != null) {
        all.put("detail", detail);
      }
      if (!outcome.stderr().isEmpty()) {
        all.put("stderr", outcome.stderr());
      }
      out.println(Jcs.toString(all));
    } else {
      if (!outcome.stderr().isEmpty()) {
        err.print(outcome.stderr());
        if (!outcome.stderr().endsWith("\n")) {
          err.println();
        }
      }
      out.println(new String(response, StandardCharsets.UTF_8));
      err.println("outcome=" + outcome.label() + " fuel=" + outcome.fuel() + (detail == null ? "" : " (" + detail
          + ")"));
    }
    out.flush();
    err.flush();
  }
}
