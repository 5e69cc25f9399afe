package dev.tandem.cli.reliability;

import dev.tandem.client.NodeClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.random.RandomGenerator;

/**
 * One kind of durable write that {@link CrashLoopTest} keeps issuing while it kills the node. A writer remembers a
 * write only once the node acknowledged it, and can later check that every acknowledged write is in the database.
 * Adding a kind of write (scores, the reciprocity ledger) to the crash test is one more implementation.
 */
interface AckedWriter {
  /** A short name for reports. */
  String name();

  /** The database file, relative to the node's data dir, that holds these writes. */
  String database();

  /**
   * Issues one write and returns once the node acknowledged it (the write is then remembered); throws when it was
   * not acknowledged (the node died, refused, or timed out), and nothing is remembered.
   */
  void writeOne(Target node, RandomGenerator random) throws Exception;

  /** Writes acknowledged so far. */
  int acknowledged();

  /** Asserts that every acknowledged write is in {@code db}, an open connection to a copy of {@link #database()}. */
  void verify(Connection db) throws Exception;

  /**
   * The running node a write goes to.
   *
   * @param rpc     its {@code /rpc}, without the admin token
   * @param url     its base URL
   * @param dataDir its data dir (the admin token is there)
   * @param http    an HTTP client with short timeouts, for other routes
   */
  record Target(NodeClient rpc, URI url, Path dataDir, HttpClient http) {}
}
