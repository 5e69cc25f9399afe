package dev.tandem.client;

/**
 * Who settles a conflict between servers' answers ({@link TandemClient.Builder#referee}).
 *
 * <p>Every service is a deterministic module named by its CID, so the best judge is the client itself: it fetches the
 * module (hash-checked) and re-runs the disputed request in its own sandbox. When that cannot be done the order is
 * the service's home server (only an answer signed by the key its record pins), then more servers, accepting only an
 * answer the verifier accepts that servers of distinct operators confirm; never an unverified one.
 */
public enum RefereeMode {
  /** The client re-runs disputed requests itself (the default); the home server and more servers are fallbacks. */
  LOCAL,
  /**
   * Conflicts go to the home server, then more servers; the client still re-runs requests for audits and to verify
   * evidence it pulls from nodes.
   */
  HOME,
  /**
   * A light client that never runs a module: conflicts go to the home server, then more servers; no audits, and
   * convictions pulled from nodes are not applied (they cannot be checked here).
   */
  NONE;

  /**
   * The mode a command line names: {@code local}, {@code home} or {@code none}, in any case.
   *
   * @throws IllegalArgumentException "--referee must be local, home or none, got …"
   */
  public static RefereeMode parse(String name) {
    for (RefereeMode m : values()) {
      if (m.name().equalsIgnoreCase(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException("--referee must be local, home or none, got " + name);
  }

  /** Whether this client runs modules itself at all (audits, evidence feeds). */
  boolean runsLocally() {
    return this != NONE;
  }
}
