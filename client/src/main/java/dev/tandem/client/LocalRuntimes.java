package dev.tandem.client;

import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.oci.OciRuntime;
import dev.tandem.sandbox.oci.Podman;
import java.security.SecureRandom;
import java.util.Optional;

/**
 * Where a client runs code itself: the sandbox of its Wasm verifiers and of the referee's re-runs (conflicts,
 * audits, evidence feeds), and the referee's container runtime for OCI services. Both are made on first use, since
 * most clients never need them, and stop with the client; a sandbox the caller gave is used and left running.
 * Thread-safe.
 */
final class LocalRuntimes implements AutoCloseable {
  private final Sandbox given;
  private final String containerRuntime;
  private Sandbox own;
  private Optional<OciRuntime> containers;

  /**
   * @param given            the caller's sandbox, or null to make one when first needed
   * @param containerRuntime {@code podman}, the path of a podman binary, or {@code off}
   */
  LocalRuntimes(Sandbox given, String containerRuntime) {
    this.given = given;
    this.containerRuntime = containerRuntime;
  }

  /** Whether a podman binary is found (and not turned off): OCI services can be re-run here. */
  boolean runsContainers() {
    return Podman.find(containerRuntime).isPresent();
  }

  Sandbox sandbox() {
    if (given != null) {
      return given;
    }
    synchronized (this) {
      if (own == null) {
        // Only verifiers and the referee's re-runs (conflicts, audits) run here: one at a time is plenty.
        own = Sandbox.builder().threads(1).build();
      }
      return own;
    }
  }

  /** The referee's container runtime, made on the first OCI dispute; empty without podman. */
  synchronized Optional<OciRuntime> containers() {
    if (containers == null) {
      // Names unique to this client, so clients and nodes on one host never touch each other's containers.
      String name = "client-" + Long.toHexString(new SecureRandom().nextLong() >>> 24);
      containers = Podman.find(containerRuntime).map(p -> new OciRuntime(p, name, Optional.empty()));
    }
    return containers;
  }

  /** Stops the sandbox this made (not a given one) and the referee's containers. */
  @Override
  public synchronized void close() {
    if (own != null) {
      own.close();
    }
    if (containers != null) {
      containers.ifPresent(OciRuntime::close);
    }
  }
}
