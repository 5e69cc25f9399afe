package dev.tandem.node.modules;

import dev.tandem.core.cid.Cid;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches modules the store lacks from other nodes' {@code GET /ipfs/{cid}}, trying each source in turn, checking
 * the hash before anything is stored.
 */
public final class ModuleFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(ModuleFetcher.class);
  private final ModuleStore store;
  private final HttpClient http;

  public ModuleFetcher(ModuleStore store, HttpClient http) {
    this.store = store;
    this.http = http;
  }

  /**
   * Returns the module, from the store or fetched from {@code sources} (node base URLs).
   *
   * @throws IOException listing why each source failed when none gave the right bytes
   */
  public byte[] fetch(Cid cid, Collection<URI> sources) throws IOException {
    var local = store.get(cid);
    if (local.isPresent()) {
      return local.get();
    }
    List<String> failures = new ArrayList<>();
    for (URI source : sources) {
      URI url = source.resolve("/ipfs/" + cid);
      try {
        HttpResponse<InputStream> res = http.send(
            HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(20)).GET().build(),
            HttpResponse.BodyHandlers.ofInputStream());
        byte[] bytes;
        try (InputStream in = res.body()) {
          bytes = in.readNBytes(ModuleStore.MAX_MODULE_BYTES + 1);
        }
        if (res.statusCode() != 200) {
          failures.add(source + ": HTTP " + res.statusCode());
          continue;
        }
        ModuleStore.check(cid, bytes);
        store.put(cid, bytes);
        LOG.info("fetched module {} ({} bytes) from {}", cid, bytes.length, source);
        return bytes;
      } catch (ModuleStore.ModuleMismatchException e) {
        LOG.warn("module {} from {} rejected: {}", cid, source, e.getMessage());
        failures.add(source + ": " + e.getMessage());
      } catch (IOException e) {
        failures.add(source + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while fetching " + cid);
      }
    }
    throw new IOException("module " + cid + " could not be fetched"
        + (failures.isEmpty() ? ": no source known" : ": " + String.join("; ", failures)));
  }
}
