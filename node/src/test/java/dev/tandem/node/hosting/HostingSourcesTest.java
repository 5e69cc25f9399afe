package dev.tandem.node.hosting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.registry.store.SqliteRegistry;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The order a node asks sources for a service's module in. Sources are asked in turn, and one that trickles its
 * answer holds the fetch until its download time is up, so the order is what a Sybil would attack: the home server,
 * then the servers offering the service by this node's trust (never by key, which can be ground; never a blacklisted
 * one), then the node's other sources.
 */
class HostingSourcesTest {
  @Test
  void theHomeThenTheOfferingServersByTrustThenTheOtherSourcesAndNoBlacklistedServer() {
    KeyPair owner = KeyPair.generate();
    ServiceRecord service = ServiceRecord.builder().name("echo").module(Cid.rawSha256(new byte[] {1}))
        .verifier(ServiceRecord.BUILTIN_EQUAL).createdAt(1).home(URI.create("http://127.0.0.1:7400"))
        .homeKey(KeyPair.generate().publicKey()).sign(owner);
    KeyPair stranger = KeyPair.generate();
    KeyPair trusted = KeyPair.generate();
    KeyPair convicted = KeyPair.generate();
    Map<PublicKey, Double> trust = Map.of(stranger.publicKey(), 0.3, trusted.publicKey(), 0.9,
        convicted.publicKey(), 0.0);
    try (SqliteRegistry registry = SqliteRegistry.inMemory()) {
      registry.submit(service);
      registry.submit(offering(stranger, "http://127.0.0.1:7501", service.serviceId()));
      registry.submit(offering(trusted, "http://127.0.0.1:7502", service.serviceId()));
      registry.submit(offering(convicted, "http://127.0.0.1:7503", service.serviceId()));
      // The node's other sources: a peer, and every server it knows (the convicted one among them).
      Hosting hosting = new Hosting(registry, null, null, () -> List.of(URI.create("http://peer.test:7400"),
          URI.create("http://127.0.0.1:7503")), u -> true, k -> trust.getOrDefault(k, 0.5), 1);
      assertThat(hosting.fetchSources(service)).containsExactly(URI.create("http://127.0.0.1:7400"),
          URI.create("http://127.0.0.1:7502"), URI.create("http://127.0.0.1:7501"), URI.create("http://peer.test:7400"));
    }
  }

  private static ServerRecord offering(KeyPair key, String url, String serviceId) {
    return new ServerRecord(key.publicKey(), URI.create(url), List.of(serviceId), List.of(),
        ServerRecord.Capacity.defaults(), 1, false, null).signedBy(key);
  }
}
