package dev.tandem.node.reciprocity;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceLimits;
import dev.tandem.core.record.ServiceRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/** Deterministic keys, services and server records for the reciprocity tests. */
final class Fixtures {
  static final KeyPair OWNER = key("owner");

  private Fixtures() {}

  /** The same key for the same name on every run. */
  static KeyPair key(String name) {
    byte[] seed = Arrays.copyOf(name.getBytes(StandardCharsets.UTF_8), 32);
    seed[31] = 7;
    return KeyPair.fromSeed(seed);
  }

  /** A service whose module is one of the example services under {@code services/}. */
  static ServiceRecord example(String name, int memoryPages) {
    byte[] wasm = wasm(name);
    return ServiceRecord.builder().name(name).module(Cid.rawSha256(wasm)).createdAt(1_700_000_000_000L)
        .limits(ServiceLimits.defaults().withMemoryPages(memoryPages)).sign(OWNER);
  }

  static byte[] wasm(String name) {
    try {
      return Files.readAllBytes(repoRoot().resolve("services").resolve(name).resolve(name + ".wasm"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A service with a made-up module (never run in these tests: the planner only reads the record). */
  static ServiceRecord synthetic(int i, int memoryPages, long fuel) {
    return ServiceRecord.builder().name("svc" + i).owner(OWNER.publicKey())
        .module(Cid.rawSha256(("module " + i).getBytes(StandardCharsets.UTF_8))).createdAt(1_700_000_000_000L)
        .limits(ServiceLimits.defaults().withMemoryPages(memoryPages).withFuel(fuel)).build();
  }

  static ServerRecord server(PublicKey key, Collection<String> offers, Collection<String> rewards, long seq) {
    return server(key, offers, rewards, ServerRecord.Capacity.defaults(), seq);
  }

  static ServerRecord server(PublicKey key, Collection<String> offers, Collection<String> rewards,
      ServerRecord.Capacity capacity, long seq) {
    return new ServerRecord(key, URI.create("http://127.0.0.1:" + (7000 + Math.floorMod(key.hashCode(), 1000))),
        List.copyOf(offers), List.copyOf(rewards), capacity, seq, false, null);
  }

  static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("services"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("services/ not found above " + Path.of("").toAbsolutePath());
    }
    return p;
  }
}
