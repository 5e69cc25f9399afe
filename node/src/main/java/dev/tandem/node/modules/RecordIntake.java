package dev.tandem.node.modules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.quota.HourlyQuota;
import dev.tandem.registry.gossip.RegistryRpc;
import dev.tandem.sandbox.Abi;
import dev.tandem.sandbox.ModuleReport;
import dev.tandem.sandbox.ModuleValidator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Record intake: signed records submitted to the node, with the modules a service record may carry. The record goes
 * to the registry through {@link RegistryRpc}; its modules to the {@link ModuleStore}.
 */
public final class RecordIntake {
  private final RegistryRpc registryRpc;
  private final ModuleStore modules;
  /**
   * New records per caller address and hour. Keys cost nothing, so the quotas per key do not stop a script from
   * filling the registry (a full registry refuses newcomers); an address does cost something.
   */
  private final HourlyQuota perAddress;
  private final long perHour;
  private static final int VALIDATION_WAIT_SECONDS = 5;
  private final Semaphore validating = new Semaphore(1);

  /** @param recordsPerAddressPerHour new records one address may submit per hour ({@code 0}: no limit) */
  public RecordIntake(RegistryRpc registryRpc, ModuleStore modules, long recordsPerAddressPerHour) {
    this.registryRpc = registryRpc;
    this.modules = modules;
    this.perHour = recordsPerAddressPerHour;
    this.perAddress = new HourlyQuota(recordsPerAddressPerHour, System::currentTimeMillis);
  }

  /**
   * {@link #submit(JsonNode)} from {@code callerAddress} (its quota key, as the HTTP layer makes it; null: not
   * limited), refused with -32008 once the address stored {@code recordsPerAddressPerHour} new records this hour.
   */
  public JsonNode submit(JsonNode params, String callerAddress) throws Exception {
    String address = perHour > 0 ? callerAddress : null;
    if (!perAddress.hasRoom(address, 1) && !registryRpc.isStored(params.path("record"))) {
      throw new JsonRpc.Failure(RpcErrors.REJECTED, "rejected: record quota: this address stored " + perHour
          + " new records this hour (--records-per-address-per-hour); try again later");
    }
    JsonNode answer = submit(params);
    if ("stored".equals(answer.path("status").asText())) {
      perAddress.charge(address, 1);
    }
    return answer;
  }

  /**
   * {@code tandem_submitRecord}: {@code {"record": R, "module"?: base64, "verifierModule"?: base64}}. Nothing is
   * stored until everything is checked: the modules' bytes against the record's CIDs and for their ABI, then the
   * record itself as the registry would judge it (fields, signature, quotas). Only then are the modules stored, then
   * the record, so a refused record leaves no module behind, and a stored record finds its modules in place.
   */
  public JsonNode submit(JsonNode params) throws Exception {
    SignedRecord record = SignedRecord.fromJson(params.get("record"));
    JsonNode module = present(params.get("module"));
    JsonNode verifierModule = present(params.get("verifierModule"));
    if (module != null || verifierModule != null) {
      if (!(record instanceof ServiceRecord service)) {
        throw new IllegalArgumentException("module: only a service record carries modules");
      }
      List<Checked> checked = new ArrayList<>();
      if (module != null) {
        if (service.isOci()) {
          throw new IllegalArgumentException("module: an OCI service's code is its image, pulled by digest");
        }
        checked.add(matched("module", module, service.module(), Abi.parse(service.abi())));
      }
      if (verifierModule != null) {
        if (service.verifier().startsWith("builtin:")) {
          throw new IllegalArgumentException("verifierModule: the record names " + service.verifier());
        }
        checked.add(matched("verifierModule", verifierModule, Cid.parse(service.verifier()), Abi.VERIFIER));
      }
      // The record's own checks first: they cost microseconds, and validating a module of 8 MiB costs seconds.
      registryRpc.check(record, "rpc");
      for (Checked c : checked) {
        // Bytes held here under this CID were validated when they came, or came otherwise (a record need not carry
        // its module at all): validating them again for each resubmission would be work for nothing.
        if (modules.get(c.cid()).isEmpty()) {
          validate(c);
        }
      }
      for (Checked c : checked) {
        // Cached, not kept: any key can register services, so what a stranger submits must not fill the disk. A
        // node that offers the service keeps its module once it is prepared.
        modules.cache(c.cid(), c.bytes());
      }
    }
    ObjectNode recordOnly = Json.object();
    recordOnly.set("record", params.get("record"));
    return registryRpc.submitRecord(recordOnly, "rpc");
  }

  private static JsonNode present(JsonNode field) {
    return field == null || field.isNull() ? null : field;
  }

  /** A module's bytes, matched to its CID, to be validated for its ABI. */
  private record Checked(String field, Cid cid, byte[] bytes, Abi abi) {}

  private static Checked matched(String field, JsonNode base64, Cid cid, Abi abi) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64.asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": not base64");
    }
    try {
      ModuleStore.check(cid, bytes);
    } catch (ModuleStore.ModuleMismatchException e) {
      throw new RecordException(field, e.getMessage());
    }
    return new Checked(field, cid, bytes, abi);
  }

  /**
   * Validates one submitted module; one at a time, since anyone may submit modules of 8 MiB, each seconds of CPU and
   * hundreds of megabytes of heap to parse.
   */
  private void validate(Checked c) throws InterruptedException {
    if (!validating.tryAcquire(VALIDATION_WAIT_SECONDS, TimeUnit.SECONDS)) {
      throw new JsonRpc.Failure(RpcErrors.OVERLOADED, "overloaded: other submitted modules are being validated; "
          + "try again");
    }
    ModuleReport report;
    try {
      report = ModuleValidator.validate(c.bytes(), c.abi());
    } catch (RuntimeException | AssertionError | StackOverflowError e) { // refuse it, whatever the parser did
      throw new RecordException(c.field(), "is not a valid WebAssembly module");
    } finally {
      validating.release();
    }
    if (!report.acceptable()) {
      throw new RecordException(c.field(), String.join("; ", report.problems()));
    }
  }
}
