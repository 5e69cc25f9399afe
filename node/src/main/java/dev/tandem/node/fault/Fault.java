package dev.tandem.node.fault;

import dev.tandem.core.crypto.KeyPair;
import dev.tandem.node.api.ServiceCalls;
import dev.tandem.node.hosting.Runner;

/**
 * A fault a node may be told to inject ({@code --unsafe-fault}), for tests and the demo only: {@code LIE} signs wrong
 * answers of its own, {@code COLLUDE} signs the wrong answer every colluding liar signs, {@code SLOW} answers after
 * 2.5 s, {@code CRASH} drops calls as a dying process would, {@code GARBAGE} answers with garbage or forged signatures.
 *
 * <p>Each fault is a decorator around a part of the node ({@link #around(Runner, KeyPair)},
 * {@link #around(ServiceCalls)}): the endpoint itself knows nothing of faults, and {@code NONE} leaves the parts as
 * they are.
 */
public enum Fault {
  NONE, LIE, COLLUDE, SLOW, CRASH, GARBAGE;

  /** {@code runner} with this fault, when it is one that changes how calls run; {@code key}: the node's. */
  public Runner around(Runner runner, KeyPair key) {
    return switch (this) {
      case LIE, COLLUDE, SLOW, CRASH -> new FaultyRunner(runner, this, key.publicKey());
      case NONE, GARBAGE -> runner;
    };
  }

  /** {@code calls} with this fault, when it is one that changes what is sent back. */
  public ServiceCalls around(ServiceCalls calls) {
    return this == GARBAGE ? new GarbageAnswers(calls) : calls;
  }

  /** The warning a node with this fault prints at start, or an empty string for {@code NONE}. */
  public String banner() {
    String what = switch (this) {
      case LIE -> "sign WRONG answers";
      case COLLUDE -> "sign the same WRONG answers as every colluding liar";
      case SLOW -> "answer slowly";
      case CRASH -> "drop calls as if it crashed";
      case GARBAGE -> "answer with garbage";
      case NONE -> "";
    };
    return what.isEmpty() ? "" : "UNSAFE FAULT INJECTION ENABLED: this node will " + what
        + ". Never run this in production.";
  }
}
