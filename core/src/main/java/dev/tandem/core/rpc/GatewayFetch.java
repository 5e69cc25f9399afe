package dev.tandem.core.rpc;

import dev.tandem.core.cid.Blocks;
import dev.tandem.core.cid.Car;
import dev.tandem.core.cid.Cid;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * Fetches a file by CID from IPFS trustless gateways (Tandem nodes and IPFS gateways alike): {@code GET
 * /ipfs/{cid}?format=car} gives a CAR of the file's DAG, every block is checked against its CID as it arrives, and
 * the file is rebuilt from the root by following links, so a source can withhold a file but never change it. A
 * source that answers with plain bytes instead (a node of an older version) is accepted only for a raw CID whose hash
 * they match. Nodes fetch modules and call inputs with it, a client's referee the inputs of a request it re-runs.
 */
public final class GatewayFetch {
  /** Room for a CAR's header and per-block CIDs on top of the file's bytes. */
  private static final long CAR_OVERHEAD = 1 << 20;
  private static final String ACCEPT = Car.MEDIA_TYPE + "; version=1; order=dfs, " + Car.MEDIA_TYPE + "; version=1";

  private GatewayFetch() {}

  /** Where the checked blocks of a fetched file go (a block store), or nowhere. */
  @FunctionalInterface
  public interface Keep {
    /** Keeps nothing. */
    Keep NOTHING = (cid, block) -> { };

    void accept(Cid cid, byte[] block) throws IOException;
  }

  /**
   * The file's bytes from the first source that gives them, each asked in turn.
   *
   * @param keep told of every block the file is made of, checked, once the file is whole (a store keeps them)
   * @throws IOException listing why each source failed when none gave the file
   */
  public static byte[] fetch(HttpClient http, Collection<URI> sources, Cid cid, long maxBytes, Duration timeout,
      Keep keep) throws IOException {
    return fetch(http, sources, cid, maxBytes, timeout, keep, null);
  }

  /**
   * As {@link #fetch(HttpClient, Collection, Cid, long, Duration, Keep)}, with progress lines of a long download
   * ({@link FetchProgress}) going to {@code progress} (null: none).
   */
  public static byte[] fetch(HttpClient http, Collection<URI> sources, Cid cid, long maxBytes, Duration timeout,
      Keep keep, Consumer<String> progress) throws IOException {
    return first(sources, cid, source -> {
      Transport.Progress p = FetchProgress.of("fetching " + cid + " from " + source, progress);
      byte[] file = fetch(http, source, cid, maxBytes, timeout, keep, p);
      FetchProgress.done(p, file.length);
      return file;
    });
  }

  /** As {@link #fetch(HttpClient, Collection, Cid, long, Duration, Keep)}, over a {@link Transport}. */
  public static byte[] fetch(Transport transport, Collection<URI> sources, Cid cid, long maxBytes, Duration timeout,
      Keep keep) throws IOException {
    return fetch(transport, sources, cid, maxBytes, timeout, keep, null);
  }

  /** As {@link #fetch(HttpClient, Collection, Cid, long, Duration, Keep, Consumer)}, over a {@link Transport}. */
  public static byte[] fetch(Transport transport, Collection<URI> sources, Cid cid, long maxBytes, Duration timeout,
      Keep keep, Consumer<String> progress) throws IOException {
    return first(sources, cid, source -> {
      Transport.Progress p = FetchProgress.of("fetching " + cid + " from " + source, progress);
      byte[] file = fetch(transport, source, cid, maxBytes, timeout, keep, p);
      FetchProgress.done(p, file.length);
      return file;
    });
  }

  /** Fetches from one source. */
  @FunctionalInterface
  private interface One {
    byte[] from(URI source) throws IOException, InterruptedException;
  }

  private static byte[] first(Collection<URI> sources, Cid cid, One one) throws IOException {
    List<String> failures = new ArrayList<>();
    for (URI source : sources) {
      try {
        return one.from(source);
      } catch (IOException | IllegalArgumentException e) {
        failures.add(source + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while fetching " + cid);
      }
    }
    throw new IOException(cid + " could not be fetched"
        + (failures.isEmpty() ? ": no source known" : ": " + String.join("; ", failures)));
  }

  private static URI url(URI source, Cid cid) {
    String base = source.toString().endsWith("/") ? source.toString() : source + "/";
    return URI.create(base + "ipfs/" + cid + "?format=car&dag-scope=all");
  }

  /** The file's bytes from one source ({@code source} is a gateway's base URL). */
  public static byte[] fetch(HttpClient http, URI source, Cid cid, long maxBytes, Duration timeout,
      Keep keep) throws IOException, InterruptedException {
    return fetch(http, source, cid, maxBytes, timeout, keep, Transport.Progress.NONE);
  }

  private static byte[] fetch(HttpClient http, URI source, Cid cid, long maxBytes, Duration timeout, Keep keep,
      Transport.Progress progress) throws IOException, InterruptedException {
    // Bounded as a whole: the request's own timeout stops at the headers, and a trickled body would hold this on.
    CompletableFuture<Fetched> file = BoundedWork.run(Transport.downloadTime(timeout, maxBytes + CAR_OVERHEAD),
        "the download of " + cid, () -> {
          HttpResponse<InputStream> res = http.send(HttpRequest.newBuilder(url(source, cid)).timeout(timeout)
              .header("Accept", ACCEPT).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
          long total = res.headers().firstValueAsLong("Content-Length").orElse(-1);
          try (InputStream in = new Counting(res.body(), progress, total)) {
            return read(res.statusCode(), res.headers().firstValue("Content-Type").orElse(""), in, cid, maxBytes);
          }
        });
    try {
      return file.get().keptBy(keep); // kept here, not on the bounded thread: a store's write is never interrupted
    } catch (InterruptedException e) {
      file.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw cause instanceof IOException io ? io : new IOException(String.valueOf(cause.getMessage()), cause);
    }
  }

  /** The file's bytes from one source, over {@code transport}, reading at most the file and a CAR's overhead. */
  public static byte[] fetch(Transport transport, URI source, Cid cid, long maxBytes, Duration timeout,
      Keep keep) throws IOException, InterruptedException {
    return fetch(transport, source, cid, maxBytes, timeout, keep, Transport.Progress.NONE);
  }

  private static byte[] fetch(Transport transport, URI source, Cid cid, long maxBytes, Duration timeout, Keep keep,
      Transport.Progress progress) throws IOException, InterruptedException {
    Transport.Reply res;
    try {
      res = transport.send(Transport.Request.get(url(source, cid), timeout).header("Accept", ACCEPT)
          .limit(maxBytes + CAR_OVERHEAD).progress(progress).download()).get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw cause instanceof IOException io ? io : new IOException(String.valueOf(cause.getMessage()), cause);
    }
    return read(res.status(), res.contentType(), new ByteArrayInputStream(res.body()), cid, maxBytes).keptBy(keep);
  }

  /** A body read as a stream, telling its progress as it is read. */
  private static final class Counting extends FilterInputStream {
    private final Transport.Progress progress;
    private final long total;
    private long count;

    Counting(InputStream in, Transport.Progress progress, long total) {
      super(in);
      this.progress = progress;
      this.total = total;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++; // single bytes are the CAR's varints: told with the next block
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      if (n > 0) {
        count += n;
        progress.received(count, total);
      }
      return n;
    }
  }

  /** A file read whole, and the checked blocks it was made of, in the order they were used. */
  private record Fetched(byte[] file, Map<Cid, byte[]> blocks) {
    byte[] keptBy(Keep keep) throws IOException {
      for (Map.Entry<Cid, byte[]> b : blocks.entrySet()) {
        keep.accept(b.getKey(), b.getValue());
      }
      return file;
    }
  }

  private static Fetched read(int status, String type, InputStream in, Cid cid, long maxBytes) throws IOException {
    if (status != 200) {
      throw new IOException("HTTP " + status);
    }
    Map<Cid, byte[]> received = new HashMap<>();
    if (type.startsWith(Car.MEDIA_TYPE)) {
      Car.Reader car = new Car.Reader(in, maxBytes + CAR_OVERHEAD);
      while (car.next((c, block) -> received.put(c.toV1(), block))) {
        // every block checked by the reader
      }
    } else if (cid.isRaw()) {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
      Blocks.verify(cid, bytes);
      received.put(cid, bytes);
    } else {
      throw new IOException("answered " + (type.isEmpty() ? "without a Content-Type" : type) + ", not a CAR");
    }
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    List<Cid> used = new ArrayList<>();
    Blocks.readFile(cid, c -> {
      used.add(c);
      return Optional.ofNullable(received.get(c.toV1()));
    }, file, maxBytes);
    Map<Cid, byte[]> blocks = new LinkedHashMap<>();
    used.forEach(c -> blocks.put(c, received.get(c.toV1())));
    return new Fetched(file.toByteArray(), blocks);
  }
}
