package dev.tandem.registry.store;

import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.registry.TestRecords;
import java.nio.file.Path;
import java.util.List;

/**
 * The child process of {@link CrashRecoveryTest}: submits records to the registry at {@code args[0]} in a loop,
 * printing a line for each one only after {@code submit} returned (that is, once it is acknowledged), until it is
 * killed. Lines: {@code service <id>} and {@code server <seq>}.
 */
public final class CrashWriter {
  private CrashWriter() {}

  public static void main(String[] args) {
    KeyPair owner = TestRecords.key(1);
    KeyPair node = TestRecords.key(2);
    SqliteRegistry registry = SqliteRegistry.open(Path.of(args[0]));
    System.out.println("ready");
    System.out.flush();
    for (int i = 0; i < 100_000; i++) {
      ServiceRecord s = TestRecords.service(owner, "crash" + i);
      registry.submit(s);
      System.out.println("service " + s.serviceId());
      ServerRecord n = TestRecords.server(node, "http://127.0.0.1:7001", i + 1, List.of(s.serviceId()));
      registry.submit(n);
      System.out.println("server " + n.seq());
      System.out.flush();
    }
    // Not reached in the test: the parent kills this process long before.
  }
}
