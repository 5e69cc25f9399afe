package dev.tandem.bench.sandbox;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.tandem.sandbox.Inputs;
import java.util.List;

/**
 * The {@code tandem.input_*} host functions for a benchmark call that names no inputs. A service module may import
 * them (search does, to read an index given by CID), so every engine must link them even when a call never reads
 * one: metered runs get exactly a node's functions for a call without inputs (which charge fuel), unmetered runs
 * stubs with the same answers that charge nothing (the unmetered module has no fuel global).
 */
final class NoInputs {
  private NoInputs() {}

  static List<ImportFunction> metered() {
    return Inputs.NONE.functions();
  }

  static List<ImportFunction> unmetered() {
    return List.of(
        new HostFunction(Inputs.MODULE, "input_size", FunctionType.of(List.of(ValType.I32), List.of(ValType.I64)),
            (instance, args) -> new long[] {-1}),
        new HostFunction(Inputs.MODULE, "input_read",
            FunctionType.of(List.of(ValType.I32, ValType.I64, ValType.I32, ValType.I32), List.of(ValType.I32)),
            (instance, args) -> new long[] {-1}));
  }
}
