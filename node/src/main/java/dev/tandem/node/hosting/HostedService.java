package dev.tandem.node.hosting;

import dev.tandem.core.record.ServiceRecord;
import dev.tandem.sandbox.Limits;
import dev.tandem.sandbox.ServiceModule;
import java.time.Duration;
import java.util.concurrent.Semaphore;

/**
 * A service this node can run right now: its record, its compiled module, the sandbox limits from the record, and a
 * bound on concurrent calls (a call that finds no permit is answered "overloaded" at once, never queued).
 */
public record HostedService(String id, ServiceRecord record, ServiceModule module, Limits limits, Semaphore permits) {

  static HostedService of(String id, ServiceRecord record, ServiceModule module, int maxConcurrent) {
    var l = record.limits();
    Limits limits = Limits.builder()
        .fuel(l.fuel())
        .memoryPages(l.memoryPages())
        .maxRequestBytes(l.maxRequestBytes())
        .maxResponseBytes(l.maxResponseBytes())
        .timeout(Duration.ofMillis(l.timeoutMs()))
        .build();
    return new HostedService(id, record, module, limits, new Semaphore(maxConcurrent));
  }
}
