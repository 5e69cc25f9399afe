package dev.tandem.client;

import dev.tandem.core.record.ServerRecord;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * How a client runs each call, as its builder set it (see {@link TandemClient.Builder}'s setters of the same names).
 * A null {@code requestTimeout} means the service's own timeout plus 2 s; a null {@code hedgeAfter} turns hedging off.
 */
record CallSettings(int minRequests, int maxRequests, Duration callTimeout, Duration requestTimeout,
    Duration slowThreshold, Duration hedgeAfter, int extraRequests, Predicate<ServerRecord> serverFilter,
    double spotCheck, RefereeMode referee, double audit) {}
