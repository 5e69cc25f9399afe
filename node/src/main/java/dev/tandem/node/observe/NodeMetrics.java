package dev.tandem.node.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** The node's metrics, exported in Prometheus text format at {@code GET /metrics}. */
public final class NodeMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Counter> calls = new ConcurrentHashMap<>();
  private final Map<String, DistributionSummary> fuel = new ConcurrentHashMap<>();
  private final Map<String, Timer> latency = new ConcurrentHashMap<>();
  private final java.util.List<Object> keepAlive = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Records one service call: its outcome label, fuel used and time taken. */
  public void call(String service, String outcome, long fuelUsed, long nanos) {
    calls.computeIfAbsent(service + '\0' + outcome, k -> Counter.builder("tandem_calls")
        .description("service calls by outcome").tag("service", service).tag("outcome", outcome)
        .register(registry)).increment();
    fuel.computeIfAbsent(service, k -> DistributionSummary.builder("tandem_call_fuel")
        .description("fuel used per call").tag("service", service).register(registry)).record(fuelUsed);
    latency.computeIfAbsent(service, k -> Timer.builder("tandem_call_latency")
        .description("time to answer a call").tag("service", service).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry)).record(Duration.ofNanos(nanos));
  }

  /** Registers a gauge read on every scrape. */
  public void gauge(String name, String description, Supplier<Number> value) {
    io.micrometer.core.instrument.Gauge.builder(name, value).description(description).register(registry);
  }

  /** Registers a monotonically increasing count read on every scrape. */
  public void counter(String name, String description, Supplier<Number> value) {
    keepAlive.add(value); // Micrometer holds function counters' state weakly; the node must keep it
    io.micrometer.core.instrument.FunctionCounter.builder(name, value, v -> v.get().doubleValue())
        .description(description).register(registry);
  }

  public String scrape() {
    return registry.scrape();
  }
}
