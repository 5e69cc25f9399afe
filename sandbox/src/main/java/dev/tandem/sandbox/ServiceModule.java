package dev.tandem.sandbox;

import com.dylibso.chicory.wasm.types.TableLimits;
import java.util.List;
import java.util.Objects;

/**
 * A loaded, checked, metered and compiled service module: a handle to pass to {@link Sandbox#call}. Immutable and
 * thread-safe; any number of calls may run on it at once, each in its own fresh instance.
 */
public final class ServiceModule {
  private final LoadedModule loaded;
  private final String name;

  ServiceModule(LoadedModule loaded, String name) {
    this.loaded = loaded;
    this.name = Objects.requireNonNull(name, "name");
  }

  LoadedModule loaded() {
    return loaded;
  }

  /** The content id it was loaded under. */
  public String cid() {
    return loaded.cid();
  }

  public Abi abi() {
    return loaded.abi();
  }

  /** The program name a WASI command sees as {@code argv[0]}; the CID unless set by {@link #withName}. */
  public String name() {
    return name;
  }

  /**
   * The same module under another program name (the service's name, which WASI commands see as their only
   * argument). Cheap: the compiled code is shared.
   */
  public ServiceModule withName(String serviceName) {
    return new ServiceModule(loaded, serviceName);
  }

  /** The module's imports, as {@code module.name: type}. */
  public List<String> imports() {
    return loaded.report().imports();
  }

  /** The module's exports, as {@code name: type}. */
  public List<String> exports() {
    return loaded.report().exports();
  }

  /** Size of the module as loaded (before metering). */
  public int sizeBytes() {
    return loaded.report().sizeBytes();
  }

  /**
   * The heap its tables may take in one instance, at most: each table at its declared maximum (10,000,000 entries,
   * the engine's limit, when it declares none), {@value #TABLE_ENTRY_BYTES} bytes an entry. A call may grow a table
   * for 1/8 fuel an entry, and tables live on the heap as linear memory does, so a node reserves this with the
   * memory a call may reach.
   */
  public long tableBytes() {
    var tables = loaded.module().tableSection();
    long entries = 0;
    for (int i = 0; i < tables.tableCount(); i++) {
      entries += Math.min(tables.getTable(i).limits().max(), TableLimits.LIMIT_MAX);
    }
    return entries * TABLE_ENTRY_BYTES;
  }

  /** Heap one table entry takes (measured: a table of 10,000,000 entries took about 180 MB). */
  static final int TABLE_ENTRY_BYTES = 16;

  /** Where loading it took its time (the load that made it, when it came from the cache). */
  public LoadTimes loadTimes() {
    return loaded.times();
  }

  /**
   * How calls made now run it: on Chicory {@code interpreter} or {@code compiled} (a tiered sandbox answers a new
   * module's first calls with the interpreter while it compiles it); {@code engine} on engines with tiers of their
   * own (a tiered sandbox on GraalWasm runs a module on Chicory until GraalWasm runs it as fast). Outcomes, results
   * and fuel are the same on every tier.
   */
  public String tier() {
    return loaded.code().tier();
  }

  /**
   * Completes once the module runs on the tier it stays on: at once, unless it is being compiled in the background
   * or, tiered on GraalWasm, until its calls moved to GraalWasm or stay on Chicory for good.
   */
  public java.util.concurrent.CompletionStage<Void> settled() {
    return loaded.code().settled();
  }

  @Override
  public String toString() {
    return "ServiceModule[" + cid() + ", " + abi().id() + ", " + name + "]";
  }
}
