package dev.tandem.node.modules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.registry.gossip.RegistryRpc;
import java.io.IOException;

/**
 * Record intake: signed records submitted to the node, with the modules a service record may carry. The record goes
 * to the registry through {@link RegistryRpc}; its modules to the {@link ModuleStore}.
 */
public final class RecordIntake {
  private final RegistryRpc registryRpc;
  private final ModuleStore modules;

  public RecordIntake(RegistryRpc registryRpc, ModuleStore modules) {
    this.registryRpc = registryRpc;
    this.modules = modules;
  }

  /**
   * {@code tandem_submitRecord}: {@code {"record": R, "module"?: base64, "verifierModule"?: base64}}. Modules are
   * stored only for a record whose signature verifies, after their bytes are checked against the record's CIDs and
   * validated for their ABI, so nothing that cannot run is ever stored or served.
   */
  public JsonNode submit(JsonNode params) throws Exception {
    SignedRecord record = SignedRecord.fromJson(params.get("record"));
    JsonNode module = params.get("module");
    JsonNode verifierModule = params.get("verifierModule");
    boolean carriesModules = (module != null && !module.isNull()) || (verifierModule != null
        && !verifierModule.isNull());
    if (carriesModules) {
      if (!(record instanceof dev.tandem.core.record.ServiceRecord service)) {
        throw new IllegalArgumentException("module: only a service record carries modules");
      }
      record.verifySignature(); // a module is only stored for a record that will be accepted
      if (module != null && !module.isNull()) {
        if (service.isOci()) {
          throw new IllegalArgumentException("module: an OCI service's code is its image, pulled by digest");
        }
        acceptModule("module", module, service.module(), dev.tandem.sandbox.Abi.parse(service.abi()));
      }
      if (verifierModule != null && !verifierModule.isNull()) {
        if (service.verifier().startsWith("builtin:")) {
          throw new IllegalArgumentException("verifierModule: the record names " + service.verifier());
        }
        acceptModule("verifierModule", verifierModule, dev.tandem.core.cid.Cid.parse(service.verifier()),
            dev.tandem.sandbox.Abi.VERIFIER);
      }
    }
    ObjectNode recordOnly = Json.object();
    recordOnly.set("record", params.get("record"));
    return registryRpc.submitRecord(recordOnly, "rpc");
  }

  private void acceptModule(String field, JsonNode base64, dev.tandem.core.cid.Cid cid, dev.tandem.sandbox.Abi abi)
      throws IOException {
    byte[] bytes;
    try {
      bytes = java.util.Base64.getDecoder().decode(base64.asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": not base64");
    }
    try {
      ModuleStore.check(cid, bytes);
    } catch (ModuleStore.ModuleMismatchException e) {
      throw new dev.tandem.core.record.RecordException(field, e.getMessage());
    }
    dev.tandem.sandbox.ModuleReport report;
    try {
      report = dev.tandem.sandbox.ModuleValidator.validate(bytes, abi);
    } catch (RuntimeException | AssertionError | StackOverflowError e) { // refuse it, whatever the parser did
      throw new dev.tandem.core.record.RecordException(field, "is not a valid WebAssembly module");
    }
    if (!report.acceptable()) {
      throw new dev.tandem.core.record.RecordException(field, String.join("; ", report.problems()));
    }
    modules.put(cid, bytes);
  }
}
