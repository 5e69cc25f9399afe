package dev.tandem.registry.evm;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Signed records and small helpers shared by the registry tests. */
final class Records {
  private Records() {}

  /** A fixed key: the same {@code n} gives the same key in every run. */
  static KeyPair key(int n) {
    byte[] seed = new byte[32];
    seed[0] = (byte) n;
    seed[1] = (byte) (n >> 8);
    seed[31] = 0x5b;
    return KeyPair.fromSeed(seed);
  }

  /** A signed service named {@code name} whose module is the bytes of the name. */
  static ServiceRecord service(KeyPair owner, String name) {
    return ServiceRecord.builder().name(name).version("1.0")
        .module(Cid.rawSha256(("module of " + name).getBytes(StandardCharsets.UTF_8)))
        .createdAt(1_700_000_000_000L).sign(owner);
  }

  static ServerRecord server(KeyPair key, String url, long seq, List<String> offers) {
    return unsignedServer(key, url, seq, offers, false).signedBy(key);
  }

  static ServerRecord retiredServer(KeyPair key, String url, long seq) {
    return unsignedServer(key, url, seq, List.of(), true).signedBy(key);
  }

  static ServerRecord unsignedServer(KeyPair key, String url, long seq, List<String> offers, boolean retired) {
    return new ServerRecord(key.publicKey(), URI.create(url), offers, List.of(), ServerRecord.Capacity.defaults(),
        seq, retired, null);
  }

  /** Waits until {@code condition} holds, failing with {@code what} after {@code timeout}. */
  static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
