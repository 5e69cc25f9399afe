package dev.tandem.sandbox;

import com.dylibso.chicory.log.Logger;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.types.FunctionType;
import dev.tandem.sandbox.meter.MeterAbi;
import java.io.ByteArrayInputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * WASI preview 1 for one call, made deterministic: every host function returns the same thing on every node.
 *
 * <p>The file-descriptor functions come from Chicory's implementation, which is deterministic once it has no
 * preopened directories (every path call fails with EBADF or ENOTDIR) and in-memory stdio streams. Functions that
 * read host state are replaced here: both clocks read 0, {@code poll_oneoff} never sleeps (time is frozen, so every
 * clock subscription is due at once), {@code random_get} draws from {@link DeterministicRandom}, and the calls
 * Chicory implements by throwing (sockets, signals, rights) return an errno instead. {@link #AUDITED} lists every
 * function and how it was judged, so a Chicory upgrade that adds one fails a test instead of slipping through.
 */
final class DeterministicWasi implements AutoCloseable {
  static final String MODULE = "wasi_snapshot_preview1";

  /** Chicory functions used as they are: deterministic given in-memory stdio and no preopened directories. */
  static final Set<String> KEPT = Set.of(
      "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "fd_advise", "fd_allocate", "fd_close",
      "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_filestat_get", "fd_filestat_set_size",
      "fd_filestat_set_times", "fd_pread", "fd_prestat_dir_name", "fd_prestat_get", "fd_pwrite", "fd_read",
      "fd_readdir", "fd_renumber", "fd_seek", "fd_sync", "fd_tell", "fd_write", "path_create_directory",
      "path_filestat_get", "path_filestat_set_times", "path_link", "path_open", "path_readlink",
      "path_remove_directory", "path_rename", "path_symlink", "path_unlink_file", "proc_exit", "sched_yield");
  /** Functions replaced here. */
  static final Set<String> REPLACED = Set.of(
      "clock_res_get", "clock_time_get", "poll_oneoff", "random_get", "proc_raise", "sock_accept", "sock_recv",
      "sock_send", "sock_shutdown", "fd_fdstat_set_rights");
  /** Chicory exports that are not part of preview 1 (component-adapter helpers); modules may not import them. */
  static final Set<String> EXCLUDED = Set.of("adapter_close_badfd", "adapter_open_badfd");
  /** Every function name Chicory's WASI offers, each in exactly one of the three sets above. */
  static final Set<String> AUDITED = union(KEPT, REPLACED, EXCLUDED);

  // WASI preview 1 errno values (Chicory's WasiErrno is not public).
  private static final int ESUCCESS = 0;
  private static final int EBADF = 8;
  private static final int EINVAL = 28;
  private static final int ENOSYS = 52;
  private static final int ENOTSUP = 58;
  private static final byte EVENT_CLOCK = 0;
  private static final byte EVENT_FD_READ = 1;
  private static final byte EVENT_FD_WRITE = 2;
  private static final int CLOCK_IDS = 4; // realtime, monotonic, process cputime, thread cputime

  private static final Map<String, FunctionType> SIGNATURES = loadSignatures();

  /**
   * Fuel a WASI call costs: 1, plus 1 per {@code 2^HOST_BYTES_SHIFT} bytes it moves (read from stdin, written to
   * stdout or stderr, random bytes), like the meter's bulk-memory charge, so host work is paid for too. It is
   * subtracted from the module's fuel global, which the metered code re-reads after every imported call.
   */
  static final int HOST_BYTES_SHIFT = 6;

  private final WasiPreview1 wasi;
  private final ByteArrayInputStream stdin;
  private final int requestLength;
  private final BoundedOutput stdout;
  private final BoundedOutput stderr;
  private long randomBytes;
  private final DeterministicRandom random;
  private final ImportValues imports;

  DeterministicWasi(String programName, byte[] request, BoundedOutput stdout, BoundedOutput stderr) {
    this.stdin = new ByteArrayInputStream(request);
    this.requestLength = request.length;
    this.stdout = stdout;
    this.stderr = stderr;
    this.random = new DeterministicRandom(request);
    WasiOptions options = WasiOptions.builder()
        .withArguments(List.of(programName))
        .withStdin(stdin, false)
        .withStdout(stdout, false)
        .withStderr(stderr, false)
        .withClock(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC))
        .withRandom(random)
        .withThrowOnExit0(true)
        .build();
    this.wasi = WasiPreview1.builder().withLogger(SilentLogger.INSTANCE).withOptions(options).build();
    Map<String, WasmFunctionHandle> replacements = replacements();
    List<ImportFunction> functions = new ArrayList<>();
    for (HostFunction f : wasi.toHostFunctions()) {
      if (EXCLUDED.contains(f.name())) {
        continue;
      }
      WasmFunctionHandle replacement = replacements.get(f.name());
      WasmFunctionHandle handle = replacement == null ? f.handle() : replacement;
      functions.add(new HostFunction(MODULE, f.name(), f.functionType(), charged(handle)));
    }
    this.imports = ImportValues.builder().withFunctions(functions).build();
  }

  /** The functions a wasi-command module may import, with their types, by name (sorted). */
  static Map<String, FunctionType> signatures() {
    return SIGNATURES;
  }

  ImportValues imports() {
    return imports;
  }

  @Override
  public void close() {
    wasi.close();
  }

  private Map<String, WasmFunctionHandle> replacements() {
    Map<String, WasmFunctionHandle> r = new LinkedHashMap<>();
    r.put("clock_res_get", (inst, args) -> clockResGet(inst.memory(), (int) args[0], (int) args[1]));
    r.put("clock_time_get", (inst, args) -> clockTimeGet(inst.memory(), (int) args[0], (int) args[2]));
    r.put("poll_oneoff",
        (inst, args) -> pollOneoff(inst.memory(), (int) args[0], (int) args[1], (int) args[2], (int) args[3]));
    r.put("random_get", (inst, args) -> randomGet(inst.memory(), (int) args[0], (int) args[1]));
    r.put("proc_raise", (inst, args) -> errno(ENOSYS));
    r.put("sock_accept", (inst, args) -> errno(ENOTSUP));
    r.put("sock_recv", (inst, args) -> errno(ENOTSUP));
    r.put("sock_send", (inst, args) -> errno(ENOTSUP));
    r.put("sock_shutdown", (inst, args) -> errno(ENOTSUP));
    r.put("fd_fdstat_set_rights", (inst, args) -> errno(ENOTSUP));
    return r;
  }

  /** Wraps a host function so that it charges fuel for the call and the bytes it moved. */
  private WasmFunctionHandle charged(WasmFunctionHandle handle) {
    return (instance, args) -> {
      long before = bytesMoved();
      long[] result = handle.apply(instance, args);
      GlobalInstance fuel = instance.exports().global(MeterAbi.FUEL);
      fuel.setValue(fuel.getValue() - 1 - ((bytesMoved() - before) >>> HOST_BYTES_SHIFT));
      return result;
    };
  }

  private long bytesMoved() {
    return (requestLength - stdin.available()) + stdout.attempted() + stderr.attempted() + randomBytes;
  }

  private static long[] errno(int value) {
    return new long[] {value};
  }

  private static long[] clockResGet(Memory memory, int clockId, int resultPtr) {
    if (clockId < 0 || clockId >= CLOCK_IDS) {
      return errno(EINVAL);
    }
    memory.writeLong(resultPtr, 1L);
    return errno(ESUCCESS);
  }

  /** Every clock reads 0: the time of a deterministic computation is not observable. */
  private static long[] clockTimeGet(Memory memory, int clockId, int resultPtr) {
    if (clockId < 0 || clockId >= CLOCK_IDS) {
      return errno(EINVAL);
    }
    memory.writeLong(resultPtr, 0L);
    return errno(ESUCCESS);
  }

  /**
   * Answers every subscription at once, without sleeping: clocks are frozen, so any timeout counts as due; stdin is
   * readable (with the bytes left), stdout and stderr are writable; anything else is EBADF.
   */
  private long[] pollOneoff(Memory memory, int in, int out, int subscriptions, int neventsPtr) {
    if (subscriptions <= 0) {
      return errno(EINVAL);
    }
    int events = 0;
    for (int i = 0; i < subscriptions; i++) {
      int sub = in + i * 48;
      long userData = memory.readLong(sub);
      byte type = memory.read(sub + 8);
      int error;
      long readable = 0;
      switch (type) {
        case EVENT_CLOCK -> {
          int clockId = memory.readInt(sub + 16);
          error = clockId >= 0 && clockId < CLOCK_IDS ? ESUCCESS : EINVAL;
        }
        case EVENT_FD_READ -> {
          int fd = memory.readInt(sub + 16);
          error = fd == 0 ? ESUCCESS : EBADF;
          readable = fd == 0 ? stdin.available() : 0;
        }
        case EVENT_FD_WRITE -> {
          int fd = memory.readInt(sub + 16);
          error = fd == 1 || fd == 2 ? ESUCCESS : EBADF;
        }
        default -> {
          return errno(EINVAL);
        }
      }
      int event = out + events * 32;
      memory.fill((byte) 0, event, event + 32);
      memory.writeLong(event, userData);
      memory.writeShort(event + 8, (short) error);
      memory.writeByte(event + 10, type);
      memory.writeLong(event + 16, readable);
      events++;
    }
    memory.writeI32(neventsPtr, events);
    return errno(ESUCCESS);
  }

  private long[] randomGet(Memory memory, int buf, int len) {
    // len is a u32 in WASI; a "negative" one is simply larger than any memory and fails the bounds check below.
    long end = Integer.toUnsignedLong(buf) + Integer.toUnsignedLong(len);
    if (end > (long) memory.pages() * 65536L) {
      throw new com.dylibso.chicory.runtime.WasmRuntimeException("out of bounds memory access");
    }
    randomBytes += len;
    byte[] chunk = new byte[Math.min(len, 4096)];
    for (int written = 0; written < len; written += chunk.length) {
      if (Thread.currentThread().isInterrupted()) {
        // Lets the wall-clock deadline stop a module that asks for megabytes of randomness in a loop.
        throw new com.dylibso.chicory.runtime.ChicoryInterruptedException("interrupted in random_get");
      }
      int n = Math.min(chunk.length, len - written);
      random.fill(chunk, 0, n);
      memory.write(buf + written, chunk, 0, n);
    }
    return errno(ESUCCESS);
  }

  private static Map<String, FunctionType> loadSignatures() {
    Map<String, FunctionType> all = new TreeMap<>();
    try (WasiPreview1 probe = WasiPreview1.builder().withLogger(SilentLogger.INSTANCE).build()) {
      for (HostFunction f : probe.toHostFunctions()) {
        if (!EXCLUDED.contains(f.name())) {
          all.put(f.name(), f.functionType());
        }
      }
    }
    return Collections.unmodifiableMap(all);
  }

  /** All names Chicory offers (for the audit test). */
  static List<String> chicoryFunctionNames() {
    List<String> names = new ArrayList<>();
    try (WasiPreview1 probe = WasiPreview1.builder().withLogger(SilentLogger.INSTANCE).build()) {
      for (HostFunction f : probe.toHostFunctions()) {
        names.add(f.name());
      }
    }
    return names;
  }

  @SafeVarargs
  private static Set<String> union(Set<String>... sets) {
    Set<String> all = new java.util.HashSet<>();
    for (Set<String> s : sets) {
      all.addAll(s);
    }
    return Set.copyOf(all);
  }

  /** WASI host calls are hot; even a disabled logger's checks are skipped. */
  private enum SilentLogger implements Logger {
    INSTANCE;

    @Override
    public void log(Level level, String msg, Throwable throwable) {}

    @Override
    public boolean isLoggable(Level level) {
      return false;
    }
  }
}
