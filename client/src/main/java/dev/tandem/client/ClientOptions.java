package dev.tandem.client;

import dev.tandem.client.referee.ModuleCache;
import dev.tandem.core.net.PeerPolicy;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.score.ScoreStore;
import dev.tandem.core.score.Scores;
import dev.tandem.registry.Registry;
import dev.tandem.sandbox.Sandbox;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.random.RandomGenerator;

/**
 * What a {@link TandemClient} is built from, checked and with its defaults filled in: an immutable value, so the
 * client never reads a builder that its caller may go on changing. Null means "the client makes its own" for
 * {@code registry}, {@code scores}, {@code sandbox}, {@code http}, {@code transport}, {@code auditExecutor},
 * {@code moduleDir} (memory only) and {@code moduleSource}; the setters of {@link TandemClient.Builder} say what each
 * one does.
 */
record ClientOptions(List<URI> bootstrap, Registry registry, ScoreStore scoreStore, Scores scores,
    CallSettings call, Duration connectTimeout, Duration bootstrapTimeout, Duration refreshInterval,
    RandomGenerator random, Sandbox sandbox, HttpClient http, int evidenceFanout, Clock clock, Transport transport,
    PeerPolicy policy, CallClock callClock, Executor auditExecutor,
    BiConsumer<CallReport, CallReport.Audit> auditListener, Path moduleDir, ModuleCache.Source moduleSource,
    String containers, boolean evidenceFeed, Duration feedRerunBudget, Duration feedMaxRerunTimeout,
    boolean pullEveryRecord) {
  ClientOptions {
    bootstrap = List.copyOf(bootstrap);
  }
}
