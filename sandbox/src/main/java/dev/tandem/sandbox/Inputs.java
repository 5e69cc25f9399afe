package dev.tandem.sandbox;

import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.tandem.sandbox.meter.MeterAbi;
import java.util.List;
import java.util.Map;

/**
 * The immutable inputs of a call, named by CID in its params and fetched by the host before the call, and the
 * {@code tandem} host functions a module reads them with:
 * <ul>
 *   <li>{@code tandem.input_size(i32 index) -> i64}: the input's size in bytes, or -1 when there is no such input;</li>
 *   <li>{@code tandem.input_read(i32 index, i64 offset, i32 ptr, i32 len) -> i32}: copies up to {@code len} bytes
 *       from {@code offset} into memory at {@code ptr} and returns how many, or -1 for a bad index, offset or
 *       range.</li>
 * </ul>
 * Input {@code i} is the {@code i}-th link in the params in document order. The module only gets copies, so inputs
 * are read-only. A read costs fuel like a WASI read: 1, plus 1 per 64 bytes copied.
 */
public final class Inputs {
  /** The import module name. */
  public static final String MODULE = "tandem";
  /** No inputs. */
  public static final Inputs NONE = new Inputs(List.of());

  private static final Map<String, FunctionType> SIGNATURES = Map.of(
      "input_size", FunctionType.of(List.of(ValType.I32), List.of(ValType.I64)),
      "input_read", FunctionType.of(List.of(ValType.I32, ValType.I64, ValType.I32, ValType.I32),
          List.of(ValType.I32)));

  private final List<byte[]> inputs;

  private Inputs(List<byte[]> inputs) {
    this.inputs = inputs;
  }

  /** The inputs in params order; the arrays are not copied and must not change afterwards. */
  public static Inputs of(List<byte[]> inputs) {
    return inputs.isEmpty() ? NONE : new Inputs(List.copyOf(inputs));
  }

  public int count() {
    return inputs.size();
  }

  /** The functions a module may import from {@link #MODULE}, with their types. */
  static Map<String, FunctionType> signatures() {
    return SIGNATURES;
  }

  /**
   * The host functions for one call of a metered module (they charge its {@code tandem_fuel}); a node passes them to
   * every service call, whether or not the module imports them.
   */
  public List<ImportFunction> functions() {
    return List.of(
        new HostFunction(MODULE, "input_size", SIGNATURES.get("input_size"), (instance, args) -> {
          charge(instance, 0);
          int index = (int) args[0];
          return new long[] {index >= 0 && index < inputs.size() ? inputs.get(index).length : -1};
        }),
        new HostFunction(MODULE, "input_read", SIGNATURES.get("input_read"), (instance, args) -> {
          int index = (int) args[0];
          long offset = args[1];
          long ptr = Integer.toUnsignedLong((int) args[2]);
          long len = Integer.toUnsignedLong((int) args[3]);
          if (index < 0 || index >= inputs.size() || offset < 0 || offset > inputs.get(index).length
              || ptr + len > instance.memory().pages() * 65536L) {
            charge(instance, 0);
            return new long[] {-1};
          }
          byte[] input = inputs.get(index);
          int n = (int) Math.min(len, input.length - offset);
          instance.memory().write((int) ptr, java.util.Arrays.copyOfRange(input, (int) offset, (int) offset + n));
          charge(instance, n);
          return new long[] {n};
        }));
  }

  private static void charge(com.dylibso.chicory.runtime.Instance instance, long bytes) {
    GlobalInstance fuel = instance.exports().global(MeterAbi.FUEL);
    fuel.setValue(fuel.getValue() - 1 - (bytes >>> DeterministicWasi.HOST_BYTES_SHIFT));
  }
}
