package dev.tandem.node.guard;

import dev.tandem.registry.store.RecordRules;

/**
 * Every limit that protects a node from strangers, with its flag ({@code --NAME VALUE} on {@code tandem node}), its
 * key in {@code node.json} (under {@code "limits"}) and its default. docs/operating-a-node.md lists them all.
 */
public enum Limit {
  // HTTP: connections and request bodies
  MAX_CONNECTIONS("max-connections", 2048, "open HTTP connections in total; past it new ones wait to be accepted"),
  MAX_CONNECTIONS_PER_ADDRESS("max-connections-per-address", 64,
      "open HTTP connections from one remote address; more are closed on accept"),
  MAX_HEADER_BYTES("max-header-bytes", 8192, "bytes of request line and headers; larger requests get 431"),
  IDLE_TIMEOUT_MS("idle-timeout-ms", 30_000,
      "most time a connection or a WebSocket may go without traffic before it is closed (at least 1,000); a call "
          + "being run is not idle time"),
  BODY_TIMEOUT_MS("body-timeout-ms", 30_000, "most time a request body may take to arrive; slower ones get 408"),
  MIN_BODY_RATE("min-body-rate", 1024,
      "bytes per second a body must arrive at: its deadline is 2 s + length / rate, at most --body-timeout-ms"),
  MAX_QUEUED_REQUESTS("max-queued-requests", 512,
      "requests with a body waiting for or holding a worker; more get 503 / -32000 overloaded before any work"),
  MAX_BODY_BYTES("max-body-bytes", 2 << 20,
      "bytes of a request body to /rpc or /services; larger ones get 413 / -32006, refused unread when declared"),
  MAX_BATCH("max-batch", 100, "requests in one JSON-RPC batch; larger batches get -32600 and none of them runs"),
  MAX_UPLOAD_MB("max-upload-mb", 64,
      "megabytes of a file stored with POST /ipfs (admin only, token checked before the body is read); larger "
          + "ones get 413 / -32006"),
  GATEWAY_MB("gateway-mb", 256,
      "megabytes the answers of GET /ipfs may hold while clients read them; past it a GET gets 503 / -32000 at once, "
          + "and an answer not read within 10 s plus 1 s per 256 KiB has its connection closed"),
  // Registry quotas (embedded registry)
  MAX_RECORD_OFFERS("max-record-offers", RecordRules.DEFAULT_MAX_OFFERS, "services one server record may offer"),
  MAX_RECORD_REWARDS("max-record-rewards", RecordRules.DEFAULT_MAX_REWARDS, "services one server record may reward"),
  MAX_SERVICES_PER_KEY("max-services-per-key", 256, "service records one owner key may have"),
  RECORDS_PER_KEY_PER_HOUR("records-per-key-per-hour", 600,
      "new records (services, server updates) one key may add per hour"),
  RECORDS_PER_ADDRESS_PER_HOUR("records-per-address-per-hour", 1000,
      "new records one remote address may store through tandem_submitRecord per hour (pushes from gossip peers "
          + "included; more get -32008), and one learned gossip peer's host may bring by pulls (the rest waits); "
          + "configured peers' pulls are not counted"),
  MAX_SERVERS_PER_HOST("max-servers-per-host", 64, "server records whose URL names the same host"),
  MAX_REGISTRY_MB("max-registry-mb", 256, "megabytes of record JSON the registry keeps"),
  // Evidence intake
  MAX_EVIDENCE_BYTES("max-evidence-bytes", 1 << 20, "bytes of one evidence item (its JSON); larger items get -32006"),
  EVIDENCE_KB_PER_ADDRESS_PER_HOUR("evidence-kb-per-address-per-hour", 16_384,
      "kilobytes of new evidence one remote address may have judged or held per hour (an item counts its size "
          + "plus 1 KB); more gets -32008"),
  EVIDENCE_KB_PER_REPORTER_PER_HOUR("evidence-kb-per-reporter-per-hour", 16_384,
      "the same per signing reporter key (nodes forwarding evidence)"),
  RERUN_MS_PER_ADDRESS_PER_HOUR("rerun-ms-per-address-per-hour", 60_000,
      "milliseconds of re-runs the evidence from one remote address may cost per hour (charged after each re-run); "
          + "past it new items get -32008"),
  RERUN_MS_PER_REPORTER_PER_HOUR("rerun-ms-per-reporter-per-hour", 60_000, "the same per signing reporter key"),
  EVIDENCE_QUEUE_ITEMS("evidence-queue-items", 256,
      "evidence items held in memory, never stored, while their service record is unknown or they cannot be re-run "
          + "yet; past it new ones get -32000"),
  EVIDENCE_QUEUE_MB("evidence-queue-mb", 32, "megabytes of evidence that queue holds"),
  EVIDENCE_QUEUE_SECONDS("evidence-queue-seconds", 3600, "how long a held item waits to be judged before it is dropped"),
  CALL_MEMORY_MB("call-memory-mb", 0,
      "megabytes of linear memory the calls running at once may reach together, each counted at its service's "
          + "limits.memoryPages; a call that does not fit gets -32000 overloaded before it runs (0: half the JVM's "
          + "maximum heap)"),
  MODULE_MEMORY_MB("module-memory-mb", 0,
      "megabytes of heap the loaded modules of the services this node offers may take together, each counted at "
          + "128 bytes per byte of its code and metering; a module that does not fit is not offered (0: a quarter of "
          + "the JVM's maximum heap)"),
  // Calls' inputs, and what strangers bring
  INPUT_FETCHES("input-fetches", 16,
      "calls whose inputs by CID are being fetched at once; more get -32000 overloaded at once (inputs this node "
          + "holds are read without waiting)"),
  INPUT_FETCH_MS("input-fetch-ms", 10_000,
      "most time the inputs of one call may take to arrive, plus 1 s per 256 KiB the service allows; a CID that no "
          + "source had is not asked for again for a minute"),
  CACHE_MB("cache-mb", 2048,
      "megabytes of blocks held for strangers (call inputs, modules fetched to judge evidence or submitted with "
          + "records); past it the oldest are deleted"),
  // Peers
  MAX_LEARNED_PEERS("max-learned-peers", 128,
      "gossip peers learned from server records; past it the least useful is evicted");

  private final String flag;
  private final long defaultValue;
  private final String description;

  Limit(String flag, long defaultValue, String description) {
    this.flag = flag;
    this.defaultValue = defaultValue;
    this.description = description;
  }

  /** The flag without its leading dashes, also the key in {@code node.json}. */
  public String flag() {
    return flag;
  }

  public long defaultValue() {
    return defaultValue;
  }

  public String description() {
    return description;
  }

  /** The limit whose flag is {@code flag} (with or without leading dashes). */
  public static Limit byFlag(String flag) {
    String bare = flag.startsWith("--") ? flag.substring(2) : flag;
    for (Limit l : values()) {
      if (l.flag.equals(bare)) {
        return l;
      }
    }
    throw new IllegalArgumentException("no limit named " + flag);
  }
}
