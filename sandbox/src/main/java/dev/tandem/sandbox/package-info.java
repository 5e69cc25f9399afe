/**
 * Deterministic execution of untrusted WebAssembly service modules: the same module, request and {@link
 * dev.tandem.sandbox.Limits} give byte-identical responses and fuel counts on every node.
 *
 * <p>Entry points: {@link dev.tandem.sandbox.Sandbox} (load a module, call it), {@link
 * dev.tandem.sandbox.ModuleValidator} (the load-time checks alone), {@link dev.tandem.sandbox.Outcome} (how a call
 * ended, with its canonical response) and {@link dev.tandem.sandbox.VerifierModule} / {@link
 * dev.tandem.core.wire.Verdict} (verifier modules). The ABIs, limits, trap codes and determinism rules are described
 * for module authors in {@code docs/writing-services.md}.
 *
 * <p>How determinism is obtained: modules are checked against an instruction set every node runs identically; fuel,
 * call depth and NaN canonicalization are injected into the module itself ({@code dev.tandem.sandbox.meter}), so
 * they count the same in Chicory's interpreter and compiler; the WASI host returns the same thing on every node
 * ({@code DeterministicWasi}); worker threads have stacks large enough that the injected depth limit always fires
 * before the JVM's stack runs out; and the module's output is parsed strictly and re-serialized canonically. The
 * wall-clock deadline is the only non-deterministic guard, and its outcome is marked as such.
 */
package dev.tandem.sandbox;
