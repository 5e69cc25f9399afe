package dev.tandem.node.hosting;

import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.sandbox.Inputs;
import dev.tandem.sandbox.Limits;
import dev.tandem.sandbox.Outcome;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.ServiceModule;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * The node's {@link Runner}: wasm services in the {@link Sandbox} with the inputs their calls name by CID, OCI services
 * in the node's own container of the image.
 */
public final class SandboxRunner implements Runner {
  /** A re-run gets at least this long: judging evidence is not a race against a client's deadline. */
  private static final Duration MIN_RERUN_TIMEOUT = Duration.ofSeconds(5);

  private final Hosting hosting;
  private final Sandbox sandbox;
  private final CallMemory memory;

  /** A runner whose calls, and re-runs, reserve their memory in {@code memory} before they run. */
  public SandboxRunner(Hosting hosting, Sandbox sandbox, CallMemory memory) {
    this.hosting = hosting;
    this.sandbox = sandbox;
    this.memory = memory;
  }

  @Override
  public Optional<HostedService> ready(String serviceId) {
    return hosting.ready(serviceId);
  }

  @Override
  public boolean wants(String serviceId) {
    return hosting.wanted().contains(serviceId);
  }

  @Override
  public Outcome run(HostedService service, ServiceCall call) {
    ServiceRecord record = service.record();
    if (record.isOci() && hosting.oci().isPresent()) {
      return hosting.oci().get().call(record, call.canonical(), record.limits());
    }
    Inputs inputs = inputs(record, call);
    int pages = pages(service.limits().memoryPages(), service.module());
    if (!memory.tryReserve(pages)) {
      throw new JsonRpc.Failure(RpcErrors.OVERLOADED, "overloaded: the calls running here may reach all the memory "
          + "this node gives calls (--call-memory-mb " + memory.megabytes() + "); try another node");
    }
    try {
      return sandbox.call(service.module(), call.canonical(), service.limits(), inputs);
    } finally {
      memory.release(pages);
    }
  }

  /** Fetches the call's inputs into this node's cache; {@link #run} reads them from there. */
  @Override
  public void prefetch(HostedService service, ServiceCall call) {
    if (!service.record().isOci()) {
      inputs(service.record(), call);
    }
  }

  private Inputs inputs(ServiceRecord record, ServiceCall call) {
    try {
      return hosting.inputs(record, call.params());
    } catch (IllegalArgumentException e) {
      throw new JsonRpc.Failure(RpcErrors.INVALID_PARAMS, e.getMessage());
    } catch (IOException e) {
      if (Hosting.isBusy(e)) {
        throw new JsonRpc.Failure(RpcErrors.OVERLOADED, e.getMessage());
      }
      // Not this call's fault, nor deterministic: another node may have the input.
      throw new JsonRpc.Failure(RpcErrors.MODULE_UNAVAILABLE, "input not available: " + e.getMessage());
    }
  }

  @Override
  public Outcome rerun(ServiceRecord record, ServiceCall request) throws Exception {
    return prepareRerun(record, request).run();
  }

  @Override
  public Rerun prepareRerun(ServiceRecord record, ServiceCall request) throws Exception {
    if (record.isOci()) { // through this node's own container of the image
      var runtime = hosting.oci().orElseThrow(() -> new IOException("this node runs no OCI containers"));
      return () -> runtime.call(record, request.canonical(), record.limits());
    }
    var module = hosting.moduleForEvidence(record);
    var l = record.limits();
    // The same inputs by CID as the judged call: content-addressed, so the re-run sees the very same bytes.
    Inputs inputs = hosting.inputs(record, request.params());
    Limits limits = Limits.builder().fuel(l.fuel()).memoryPages(l.memoryPages())
        .maxRequestBytes(l.maxRequestBytes()).maxResponseBytes(l.maxResponseBytes())
        .timeout(Duration.ofMillis(Math.max(l.timeoutMs(), MIN_RERUN_TIMEOUT.toMillis()))).build();
    int pages = pages(l.memoryPages(), module);
    return () -> {
      if (!memory.reserve(pages, MIN_RERUN_TIMEOUT)) {
        throw new IOException("no memory free for a re-run of " + pages + " pages (--call-memory-mb)");
      }
      try {
        return sandbox.call(module, request.canonical(), limits, inputs);
      } finally {
        memory.release(pages);
      }
    };
  }

  /** The pages a call reserves: the linear memory its service allows, and the most its tables may take. */
  static int pages(int memoryPages, ServiceModule module) {
    return (int) Math.min(Integer.MAX_VALUE, memoryPages + CallMemory.pagesOf(module.tableBytes()));
  }
}
