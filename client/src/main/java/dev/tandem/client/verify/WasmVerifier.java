package dev.tandem.client.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sandbox.Limits;
import dev.tandem.core.wire.Verdict;
import dev.tandem.sandbox.VerifierException;
import dev.tandem.sandbox.VerifierModule;
import java.nio.charset.StandardCharsets;

/** A verifier module named by CID in a service record, run in the sandbox. */
public final class WasmVerifier implements Verifier {
  private final VerifierModule module;
  private final Limits limits;

  public WasmVerifier(VerifierModule module, Limits limits) {
    this.module = module;
    this.limits = limits;
  }

  @Override
  public String id() {
    return module.cid();
  }

  @Override
  public int minRequests() {
    return module.minRequests();
  }

  @Override
  public Verdict verify(JsonNode input) {
    try {
      return module.verify(input.toString().getBytes(StandardCharsets.UTF_8), limits);
    } catch (VerifierException | IllegalArgumentException e) {
      throw new VerifierFailedException(e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "wasm:" + id();
  }
}
