package dev.tandem.node.fault;

/** Thrown by the {@code crash} fault: the HTTP layer drops the connection without an answer. */
public final class SimulatedCrash extends RuntimeException {
  SimulatedCrash() {
    super("simulated crash", null, false, false);
  }
}
