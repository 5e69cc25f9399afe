package dev.tandem.client.referee;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.cid.UnixFs;
import dev.tandem.core.rpc.GatewayFetch;
import dev.tandem.core.rpc.Transport;
import java.io.IOException;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Modules by CID, as the client's referee and verifiers need them: from memory, from a directory on disk (default
 * {@code ~/.tandem/modules}, one file per CID), or fetched from the nodes the client knows ({@code GET /ipfs/{cid}}
 * over the client's transport).
 * Nothing is trusted but the hash: bytes read from disk or from a node that do not hash to their CID are dropped.
 *
 * <p>A client that has its modules already (a simulation) gives them through {@link Source} instead.
 */
public final class ModuleCache {
  /** Largest module fetched. */
  public static final int MAX_MODULE_BYTES = 16 << 20;
  /**
   * Bytes of modules kept in memory: any key can register services with modules of its own for a client's feed or
   * audits to fetch, so what is kept is bounded.
   */
  static final long MEMORY_BYTES = 128L << 20;

  /** Where modules come from when they are neither in memory nor on disk. */
  @FunctionalInterface
  public interface Source {
    /**
     * The bytes of {@code cid}, from one of {@code nodes}; they are hash-checked by the store.
     *
     * @throws IOException when no node has it
     */
    byte[] fetch(Cid cid, List<URI> nodes) throws IOException;

    /**
     * A data file (a request's input by CID) of at most {@code maxBytes}, checked against {@code cid}; by default
     * the whole file through {@link #fetch}, accepted when it hashes to {@code cid} as a raw or Kubo CID.
     *
     * @throws IOException when no node has it, or the bytes do not match
     */
    default byte[] data(Cid cid, List<URI> nodes, long maxBytes) throws IOException {
      byte[] bytes = fetch(cid, nodes);
      if (bytes == null || bytes.length > maxBytes || !matches(cid, bytes, maxBytes)) {
        throw new IOException("the bytes fetched for input " + cid + " do not hash to it or exceed " + maxBytes
            + " bytes");
      }
      return bytes;
    }
  }

  private final Path dir;
  private final Source source;
  /** Modules kept in memory, the least recently used dropped past {@link #MEMORY_BYTES} (they stay on disk). */
  private final LinkedHashMap<Cid, byte[]> memory = new LinkedHashMap<>(16, 0.75f, true);
  private final long maxMemoryBytes;
  private long memoryBytes;

  /**
   * @param dir    where fetched modules are kept across runs, or null to keep them in memory only
   * @param source how a module missing here is fetched
   */
  public ModuleCache(Path dir, Source source) {
    this(dir, source, MEMORY_BYTES);
  }

  ModuleCache(Path dir, Source source, long maxMemoryBytes) {
    this.dir = dir;
    this.source = source;
    this.maxMemoryBytes = maxMemoryBytes;
  }

  /**
   * Fetching from the nodes given, each asked in turn with {@code timeout}, over the client's {@code transport}
   * ({@code GET /ipfs/{cid}}).
   */
  public static Source over(Transport transport, Duration timeout) {
    return over(transport, timeout, null);
  }

  /**
   * As {@link #over(Transport, Duration)}, with progress lines of a long download ({@code FetchProgress}: quiet for
   * the first seconds, then bytes of the total) going to {@code progress}; the {@code tandem} command prints them.
   */
  public static Source over(Transport transport, Duration timeout, Consumer<String> progress) {
    return new Source() {
      @Override
      public byte[] fetch(Cid cid, List<URI> nodes) throws IOException {
        List<String> errors = new ArrayList<>();
        for (URI node : nodes) {
          try {
            return ModuleFetch.get(transport, node, cid, MAX_MODULE_BYTES, timeout, progress);
          } catch (IOException e) {
            errors.add(e.getMessage());
          }
        }
        throw new IOException("module " + cid + " could not be fetched: "
            + (errors.isEmpty() ? "no node to fetch it from" : String.join("; ", errors)));
      }

      /** As nodes fetch inputs: a CAR of the file's DAG from each node's trustless gateway, every block checked. */
      @Override
      public byte[] data(Cid cid, List<URI> nodes, long maxBytes) throws IOException {
        return GatewayFetch.fetch(transport, nodes, cid, maxBytes, timeout, GatewayFetch.Keep.NOTHING, progress);
      }
    };
  }

  /** A request's input by CID, fetched and checked (not cached: inputs are one call's data). */
  public byte[] data(Cid cid, List<URI> nodes, long maxBytes) throws IOException {
    return source.data(cid, nodes, maxBytes);
  }

  /** The default directory: {@code ~/.tandem/modules}. */
  public static Path defaultDir() {
    return Path.of(System.getProperty("user.home"), ".tandem", "modules");
  }

  /**
   * The module's bytes, hash-checked.
   *
   * @param nodes where to fetch it when it is not here yet
   * @throws IOException when it is not here and no node gives bytes that hash to {@code cid}
   */
  public byte[] get(Cid cid, List<URI> nodes) throws IOException {
    byte[] cached;
    synchronized (memory) {
      cached = memory.get(cid);
    }
    if (cached != null) {
      return cached;
    }
    byte[] bytes = fromDisk(cid);
    if (bytes == null) {
      bytes = source.fetch(cid, nodes);
      if (!matches(cid, bytes)) {
        throw new IOException("the bytes fetched for module " + cid + " do not hash to it");
      }
      toDisk(cid, bytes);
    }
    keep(cid, bytes);
    return bytes;
  }

  private void keep(Cid cid, byte[] bytes) {
    synchronized (memory) {
      byte[] old = memory.put(cid, bytes);
      memoryBytes += bytes.length - (old == null ? 0 : old.length);
      for (var eldest = memory.entrySet().iterator(); memoryBytes > maxMemoryBytes && eldest.hasNext(); ) {
        var e = eldest.next();
        if (e.getKey().equals(cid)) {
          continue; // the one just asked for stays
        }
        memoryBytes -= e.getValue().length;
        eldest.remove();
      }
    }
  }

  private static boolean matches(Cid cid, byte[] bytes) {
    return matches(cid, bytes, MAX_MODULE_BYTES);
  }

  private static boolean matches(Cid cid, byte[] bytes, long maxBytes) {
    if (bytes == null || bytes.length > maxBytes) {
      return false;
    }
    Cid actual = cid.isRaw() ? Cid.rawSha256(bytes) : UnixFs.kuboCid(bytes, cid.version());
    return actual.equals(cid);
  }

  private byte[] fromDisk(Cid cid) {
    if (dir == null) {
      return null;
    }
    Path file = dir.resolve(cid + ".wasm");
    try {
      byte[] bytes = Files.exists(file) ? Files.readAllBytes(file) : null;
      // A damaged or tampered file is fetched again rather than trusted.
      return bytes != null && matches(cid, bytes) ? bytes : null;
    } catch (IOException e) {
      return null;
    }
  }

  private void toDisk(Cid cid, byte[] bytes) {
    if (dir == null) {
      return;
    }
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".module-", ".tmp");
      try {
        Files.write(tmp, bytes);
        try {
          Files.move(tmp, dir.resolve(cid + ".wasm"), StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, dir.resolve(cid + ".wasm"), StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      // The cache is an optimization: a module that cannot be kept is fetched again next time.
    }
  }
}
