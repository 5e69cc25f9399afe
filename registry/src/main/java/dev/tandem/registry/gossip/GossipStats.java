package dev.tandem.registry.gossip;

/**
 * Counters of a {@link Gossip} since it started, for metrics. All only grow, except {@code peers}.
 *
 * @param rounds ticks of the gossip timer (each pulls from every peer that is not backing off)
 * @param pulled records received from peers' logs
 * @param stored records new to this registry among those pulled
 * @param pushed records sent to peers and answered (stored there, or already known, or refused as outdated)
 * @param rejected invalid records received (bad signature, bad fields): logged and never stored
 * @param stale server records received that an already stored record with a higher seq superseded: a normal race
 * @param dropped records dropped from a full push queue (pulls repair them)
 * @param failures requests to peers that failed (unreachable, timed out, or an unusable answer)
 * @param peers the peers gossiped with now
 * @param listed entries read from peers' log indexes ({@code tandem_recordIndex}): each names a record, which is
 *     fetched (and counted in {@code pulled}) only when this registry does not hold it
 * @param deferred pulls from learned peers stopped by their {@link LearnedPeerQuota}, to go on when it refills
 */
public record GossipStats(
    long rounds,
    long pulled,
    long stored,
    long pushed,
    long rejected,
    long stale,
    long dropped,
    long failures,
    int peers,
    long listed,
    long deferred) {}
