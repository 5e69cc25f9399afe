package dev.tandem.node.ipfs;

import dev.tandem.core.cid.Blocks;
import dev.tandem.core.cid.Car;
import dev.tandem.core.cid.Cid;
import java.io.ByteArrayOutputStream;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a file by CID from trustless gateways: other Tandem nodes and IPFS gateways alike answer
 * {@code GET /ipfs/{cid}?format=car} with a CAR of the file's DAG. Every block is checked against its CID as it
 * arrives and the file is rebuilt from the root by following links, so a source can withhold a file but never
 * change it. The checked blocks are kept in the {@link BlockStore}, so the file is served here afterwards under the
 * same CID. A source that answers with plain bytes instead (a node of an older version) is accepted only for a raw
 * CID whose hash they match.
 */
public final class ContentFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(ContentFetcher.class);
  /** Room for a CAR's header and per-block CIDs on top of the file's bytes. */
  private static final long CAR_OVERHEAD = 1 << 20;
  private final BlockStore blocks;
  private final HttpClient http;

  public ContentFetcher(BlockStore blocks, HttpClient http) {
    this.blocks = blocks;
    this.http = http;
  }

  /** The store this fetcher fills. */
  public BlockStore blocks() {
    return blocks;
  }

  /**
   * The bytes of the file {@code cid} names: from the block store, else from each source in turn.
   *
   * @param sources base URLs of trustless gateways, tried in order
   * @param maxBytes the largest file accepted
   * @throws IOException listing why each source failed when none gave the file
   */
  public byte[] fetch(Cid cid, Collection<URI> sources, long maxBytes) throws IOException {
    try {
      return blocks.readFile(cid, maxBytes);
    } catch (Blocks.MissingBlockException e) {
      // not (all) here: fetch it
    }
    List<String> failures = new ArrayList<>();
    for (URI source : sources) {
      try {
        byte[] bytes = fetchFrom(source, cid, maxBytes);
        LOG.info("fetched {} ({} bytes) from {}", cid, bytes.length, source);
        return bytes;
      } catch (IOException | IllegalArgumentException e) {
        LOG.info("fetching {} from {} failed: {}", cid, source, e.getMessage());
        failures.add(source + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while fetching " + cid);
      }
    }
    throw new IOException(cid + " could not be fetched"
        + (failures.isEmpty() ? ": no source known" : ": " + String.join("; ", failures)));
  }

  private byte[] fetchFrom(URI source, Cid cid, long maxBytes) throws IOException, InterruptedException {
    String base = source.toString().endsWith("/") ? source.toString() : source + "/";
    URI url = URI.create(base + "ipfs/" + cid + "?format=car&dag-scope=all");
    HttpResponse<InputStream> res = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
        .header("Accept", Car.MEDIA_TYPE + "; version=1; order=dfs, " + Car.MEDIA_TYPE + "; version=1")
        .GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = res.body()) {
      if (res.statusCode() != 200) {
        throw new IOException("HTTP " + res.statusCode());
      }
      String type = res.headers().firstValue("Content-Type").orElse("");
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
      for (Cid c : used) {
        blocks.put(c, received.get(c.toV1()));
      }
      return file.toByteArray();
    }
  }
}
