package dev.tandem.registry.store;

/**
 * What the embedded registry accepts from strangers, so nobody can fill every node's disk through gossip. A record
 * that breaks a quota is refused (a {@code RecordException} whose problem starts with {@code quota:}, JSON-RPC -32008) and, never stored, never gossiped on.
 * Records already stored are never dropped to make room: when a quota is reached, newcomers are refused first, so
 * a flood cannot push out the records that were there before it. The node's own record ({@code "local"} origin) is
 * exempt. 0 turns a quota off.
 *
 * @param maxOffers services one server record may offer
 * @param maxRewards services one server record may reward
 * @param maxServicesPerKey service records one owner key may have
 * @param recordsPerKeyPerHour new records (services, server updates) one key may add in any hour
 * @param maxServersPerHost server records (of different keys) whose URL names the same host
 * @param maxBytes bytes of record JSON kept in total; a server update that does not grow its record always passes
 */
public record RegistryQuotas(int maxOffers, int maxRewards, int maxServicesPerKey, int recordsPerKeyPerHour,
    int maxServersPerHost, long maxBytes) {

  /** No quota at all: tests and simulations that build large registries on purpose. */
  public static final RegistryQuotas NONE = new RegistryQuotas(0, 0, 0, 0, 0, 0);
}
