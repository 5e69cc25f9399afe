package dev.tandem.sim;

import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.sandbox.Abi;
import dev.tandem.sandbox.Limits;
import dev.tandem.sandbox.ModuleRejectedException;
import dev.tandem.sandbox.Outcome;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.ServiceModule;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the service module for real, in the {@link Sandbox}, once per distinct request: execution is deterministic,
 * so every honest node (and every node re-running evidence) would get exactly these bytes. Memoizing is what makes
 * 100,000 calls cheap; it changes no answer.
 */
final class Oracle implements AutoCloseable {
  /** A deterministic outcome, and the hash of its canonical response (what is signed). */
  record Answer(Outcome.Deterministic outcome, String responseHash) {
    byte[] response() {
      return outcome.responseJson();
    }
  }

  private final Sandbox sandbox = Sandbox.builder().threads(1).build();
  private final ServiceModule module;
  private final Limits limits;
  private final Map<String, Answer> answers = new HashMap<>();
  private long executions;

  private final byte[] wasm;

  Oracle(String cid, byte[] wasm, long fuel) {
    this.wasm = wasm.clone();
    try {
      this.module = sandbox.load(cid, wasm, Abi.TANDEM_V1);
    } catch (ModuleRejectedException e) {
      throw new IllegalArgumentException("the simulated service module is rejected: " + e.getMessage(), e);
    }
    // The wall-clock guard is the only non-deterministic limit: far above what these small requests take, so it
    // never decides an outcome (if it did, the run would stop below rather than silently differ).
    this.limits = Limits.builder().fuel(fuel).timeout(Duration.ofSeconds(60)).build();
  }

  /** The module's bytes: clients fetch them for their own re-runs (referee, audits). */
  byte[] wasm() {
    return wasm.clone();
  }

  /** The compiled module, which every simulated node hosts. */
  ServiceModule module() {
    return module;
  }

  /** The sandbox, shared with the clients' referees: one compiled module serves all. */
  Sandbox sandbox() {
    return sandbox;
  }

  /** The outcome of {@code call}, run in the sandbox the first time it is asked for. */
  Answer answer(ServiceCall call) {
    Answer known = answers.get(call.requestHash());
    if (known != null) {
      return known;
    }
    Outcome outcome = sandbox.call(module, call.canonical(), limits);
    executions++;
    if (!(outcome instanceof Outcome.Deterministic det)) {
      throw new IllegalStateException("the sandbox gave a non-deterministic outcome (" + outcome
          + ") for request " + call.requestHash() + ": the simulation cannot continue reproducibly");
    }
    byte[] response = det.responseJson();
    Answer a = new Answer(det, Hashes.sha256Hex(response));
    answers.put(call.requestHash(), a);
    return a;
  }

  /** Sandbox executions so far (distinct requests). */
  long executions() {
    return executions;
  }

  @Override
  public void close() {
    sandbox.close();
  }
}
