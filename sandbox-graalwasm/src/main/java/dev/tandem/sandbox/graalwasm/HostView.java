package dev.tandem.sandbox.graalwasm;

import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.tandem.sandbox.meter.MeterAbi;

/**
 * What a host function sees of a GraalWasm instance: a Chicory instance of a stub module whose memory is the
 * GraalWasm memory and whose one global is a copy of {@code tandem_fuel}, copied in before each host call and back
 * after it (host functions charge fuel by writing that global).
 */
final class HostView {
  /** {@code (module (memory 0) (global (export "tandem_fuel") (mut i64) (i64.const 0)))}. */
  private static final WasmModule STUB = Parser.parse(stub());

  private final Instance instance;

  HostView(Memory memory) {
    this.instance = Instance.builder(STUB)
        .withImportValues(ImportValues.empty())
        .withMemoryFactory(limits -> memory)
        .withStart(false)
        .build();
  }

  Instance instance() {
    return instance;
  }

  long fuel() {
    return instance.exports().global(MeterAbi.FUEL).getValue();
  }

  void fuel(long value) {
    instance.exports().global(MeterAbi.FUEL).setValue(value);
  }

  private static byte[] stub() {
    byte[] name = MeterAbi.FUEL.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    out.writeBytes(new byte[] {5, 3, 1, 0, 0}); // memory section: one memory, min 0
    out.writeBytes(new byte[] {6, 6, 1, 0x7e, 1, 0x42, 0, 0x0b}); // global section: mut i64 = 0
    out.writeBytes(new byte[] {7, (byte) (4 + name.length), 1, (byte) name.length});
    out.writeBytes(name);
    out.writeBytes(new byte[] {3, 0}); // export kind global, index 0
    return out.toByteArray();
  }
}
