package dev.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.NodeClient;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.json.Json;
import dev.tandem.sandbox.Abi;
import dev.tandem.sandbox.ModuleReport;
import dev.tandem.sandbox.ModuleValidator;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.record.ServiceLimits;
import dev.tandem.core.record.ServiceNames;
import dev.tandem.core.record.ServiceRecord;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "service", description = "Manage services: register.", mixinStandardHelpOptions = true,
    subcommands = {ServiceCommand.Register.class})
final class ServiceCommand implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  @Command(name = "register", mixinStandardHelpOptions = true,
      description = "Upload a module, sign its ServiceRecord with your key, submit both; print the service id.")
  static final class Register implements Callable<Integer> {
    @Option(names = "--node", required = true, paramLabel = "URL", description = "the node to register through")
    URI node;

    @Option(names = "--key", required = true, paramLabel = "KEYFILE", description = "the owner's key file")
    Path keyFile;

    @Option(names = "--name", required = true, paramLabel = "NAME") String name;

    @Option(names = "--module", paramLabel = "FILE", description = "the .wasm file (or --image)")
    Path module;

    @Option(names = "--image", paramLabel = "REF",
        description = "an OCI service instead of a module: REGISTRY/REPO@sha256:DIGEST (tags are refused)")
    String image;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "N",
        description = "with --image: the port the service listens on inside the container (default 8080)")
    int port;

    @Option(names = "--path", defaultValue = "/", paramLabel = "P",
        description = "with --image: the HTTP path that takes POSTed calls (default /)")
    String path;

    @Option(names = "--memory-mib", defaultValue = "64", paramLabel = "N", description = "with --image: memory limit")
    int memoryMib;

    @Option(names = "--milli-cpus", defaultValue = "500", paramLabel = "N",
        description = "with --image: CPU limit in thousandths of a CPU (default 500)")
    int milliCpus;

    @Option(names = "--pids", defaultValue = "32", paramLabel = "N", description = "with --image: process limit")
    int pids;

    @Option(names = "--abi", defaultValue = "tandem-v1", description = "tandem-v1 (default) or wasi-command")
    String abi;

    @Option(names = "--verifier", defaultValue = "builtin:equal",
        description = "CID of a verifier module, builtin:equal (default) or builtin:majority")
    String verifier;

    @Option(names = "--verifier-module", paramLabel = "FILE",
        description = "a verifier .wasm to upload with the service; sets --verifier to its CID")
    Path verifierModule;

    @Option(names = "--home", paramLabel = "URL", description = "the home server that settles conflicts")
    URI home;

    @Option(names = "--version", defaultValue = "1", paramLabel = "V", description = "the service's version label")
    String version;

    @Option(names = "--description", defaultValue = "", paramLabel = "TEXT") String description;

    @Option(names = "--fuel", paramLabel = "N", description = "fuel per call (default 1e9)") Long fuel;

    @Option(names = "--memory-pages", paramLabel = "N", description = "64 KiB pages per call (default 256)")
    Integer pages;

    @Option(names = "--registry", paramLabel = "SPEC",
        description = "also put the record on an EVM chain: evm:RPC_URL@SERVICE_REGISTRY,SERVER_REGISTRY")
    String registry;

    @Option(names = "--eth-key", paramLabel = "FILE", description = "with --registry: the Ethereum key that owns "
        + "the entry on the chain")
    Path ethKey;

    @Option(names = "--json", description = "print one JSON object: the service id, its module, verifier and status")
    boolean json;

    @Override
    public Integer call() throws Exception {
      if (registry != null && ethKey == null) {
        throw new Errors.UserException("--registry needs --eth-key: the chain entry is owned by an Ethereum key");
      }
      if ((module == null) == (image == null)) {
        throw new Errors.UserException("give exactly one of --module FILE and --image REGISTRY/REPO@sha256:DIGEST");
      }
      dev.tandem.core.record.OciSpec oci = null;
      if (image != null) {
        try {
          oci = new dev.tandem.core.record.OciSpec(image, port, path, memoryMib, milliCpus, pids);
        } catch (dev.tandem.core.record.RecordException e) {
          throw new Errors.UserException("--image: " + e.getMessage());
        }
      }
      // Every local check comes before anything is sent: a bad module or verifier is named here, not by a node.
      byte[] wasm = module == null ? null : checkedModule("--module", module, abi);
      byte[] verifierWasm = null;
      if (verifierModule != null) {
        verifierWasm = checkedModule("--verifier-module", verifierModule, "verifier");
        verifier = Cid.rawSha256(verifierWasm).toString();
      } else if (!verifier.startsWith("builtin:") ? !isCid(verifier)
          : !verifier.equals(ServiceRecord.BUILTIN_EQUAL) && !verifier.equals(ServiceRecord.BUILTIN_MAJORITY)) {
        throw new Errors.UserException("--verifier must be builtin:equal, builtin:majority or a verifier module's "
            + "CID, got '" + verifier + "'");
      }
      KeyPair key = Keys.read("--key", keyFile);
      ServiceLimits limits = ServiceLimits.defaults();
      if (fuel != null) {
        limits = limits.withFuel(fuel);
      }
      if (pages != null) {
        limits = limits.withMemoryPages(pages);
      }
      ServiceRecord record = ServiceRecord.builder().name(name).version(version).abi(abi)
          .module(wasm == null ? null : Cid.rawSha256(wasm)).metered(wasm == null ? null : metered(wasm)).oci(oci).verifier(verifier).limits(limits).home(home).description(description)
          .sign(key);
      if (registry != null) {
        try (var chain = dev.tandem.registry.evm.EvmRegistry.connect(registry, ethKey)) {
          chain.submit(record); // the chain orders it; the node below gets the module to serve
        }
      }
      JsonNode res = new NodeClient(node).submit(record, wasm, verifierWasm);
      if (json) {
        ObjectNode out = Json.object();
        out.put("service", record.serviceId());
        out.put("name", name);
        out.put("qualifiedName", qualifiedName(record));
        out.put("module", record.module().toString());
        out.put("verifier", record.verifier());
        out.put("status", res.path("status").asText());
        out.put("node", node.toString());
        System.out.println(out.toPrettyString());
        return 0;
      }
      String qualified = qualifiedName(record);
      System.err.println("service " + qualified + " " + res.path("status").asText() + " at " + node
          + " (call it by " + qualified + " or by its id)");
      System.out.println(record.serviceId());
      return 0;
    }

    private static boolean isCid(String text) {
      try {
        Cid.parse(text);
        return true;
      } catch (IllegalArgumentException e) {
        return false;
      }
    }

    /** The bytes of a module file that the sandbox accepts under {@code abiName}; else one line naming the option. */
    /** The metered module's CID, for clients that re-run requests without an instrumenter (browsers). */
    private static Cid metered(byte[] wasm) {
      try {
        return dev.tandem.sandbox.Sandbox.meteredCid(wasm);
      } catch (dev.tandem.sandbox.meter.InstrumentException e) {
        throw new Errors.UserException("--module: cannot be metered: " + e.getMessage());
      }
    }

    private static byte[] checkedModule(String option, Path file, String abiName) {
      byte[] wasm;
      try {
        wasm = ModuleFiles.read(file);
      } catch (Errors.UserException e) {
        throw new Errors.UserException(option + ": " + e.getMessage());
      }
      Abi abi;
      try {
        abi = Abi.parse(abiName);
      } catch (IllegalArgumentException e) {
        throw new Errors.UserException("--abi: " + e.getMessage());
      }
      ModuleReport report = ModuleValidator.validate(wasm, abi);
      if (!report.acceptable()) {
        throw new Errors.UserException(option + " " + file + " is not acceptable as " + abi.id() + ": "
            + String.join("; ", report.problems()));
      }
      return wasm;
    }

    /** The owner-qualified name among the services the node knows now (the record itself included). */
    private String qualifiedName(ServiceRecord record) {
      try {
        List<ServiceRecord> all = new java.util.ArrayList<>(new NodeClient(node).records().stream()
            .filter(r -> r instanceof ServiceRecord).map(r -> (ServiceRecord) r).toList());
        all.add(record);
        return ServiceNames.qualified(record, all);
      } catch (Exception e) {
        // The node cannot list its records now: the shortest form, unique unless another owner took the name.
        return ServiceNames.qualified(record, List.of(record));
      }
    }
  }
}
