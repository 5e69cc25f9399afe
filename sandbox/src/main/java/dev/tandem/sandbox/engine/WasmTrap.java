package dev.tandem.sandbox.engine;


/** A trap the Wasm specification defines, as an engine other than Chicory reports it. */
public final class WasmTrap extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient TrapKind kind;

  public WasmTrap(TrapKind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public TrapKind kind() {
    return kind;
  }
}
