package dev.tandem.sandbox.oci;

import dev.tandem.core.record.OciSpec;
import dev.tandem.core.record.ServiceLimits;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.sandbox.Outcome;
import dev.tandem.sandbox.Outcome.NonDeterministic.Reason;
import dev.tandem.sandbox.ResponseDecoder;
import dev.tandem.sandbox.engine.TrapKind;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs OCI services in podman containers: pulls each image by digest and checks the digest, starts one isolated
 * container per service (read-only root, no capabilities, no new privileges, the record's memory, CPU and process
 * limits, published on 127.0.0.1 only), waits until it answers, and proxies calls to it. The container gets the
 * canonical request ({@code {"method":…,"params":…}}) as an HTTP POST body and answers {@code {"result":…}} or
 * {@code {"error":…}}; the answer is parsed and written back canonically exactly as a module's output is, so every
 * honest node signs the same bytes. Fuel does not apply: OCI outcomes report fuel 0.
 *
 * <p>Containers are reused across calls; a call that finds its container dead restarts it and tries once more. Nodes
 * run their services with it, and a client's referee re-runs disputed requests with it, in the same isolation.
 */
public final class OciRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OciRuntime.class);
  private static final Duration READY_WITHIN = Duration.ofSeconds(15);

  /** A running container of a service: where it answers. */
  public record Container(String name, String image, URI uri) {}

  private final Podman podman;
  private final String prefix;
  private final Optional<String> swap;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final Map<String, Container> running = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  /**
   * @param podman   the podman to run containers with
   * @param nodeName a short name unique to this runner (a node, a client's referee), so runners on one host never
   *                 touch each other's containers
   * @param swap     FOR TESTS ONLY: an image run in place of every service's own (see {@link OciOptions})
   */
  public OciRuntime(Podman podman, String nodeName, Optional<String> swap) {
    this.podman = podman;
    this.prefix = "tandem-" + nodeName;
    this.swap = swap.map(OciSpec::image);
  }

  /** The service's container, started (image pulled and checked) when it is not running. */
  public Container ensure(ServiceRecord rec) throws IOException {
    Container c = running.get(rec.serviceId());
    return c != null ? c : start(rec);
  }

  /** Starts (or restarts) the service's container and waits until it answers. */
  public Container start(ServiceRecord rec) throws IOException {
    String id = rec.serviceId();
    synchronized (locks.computeIfAbsent(id, k -> new Object())) {
      OciSpec spec = rec.oci();
      String image = swap.orElse(spec.image());
      pull(image);
      String name = prefix + "-" + id.substring(id.length() - 12);
      remove(name);
      int hostPort;
      for (int attempt = 1; ; attempt++) {
        hostPort = freePort();
        try {
          podman.run(60, "run", "-d", "--name", name, "--label", "tandem.service=" + id,
              "--read-only", "--cap-drop", "all", "--security-opt", "no-new-privileges",
              "--memory", spec.memoryMiB() + "m", "--memory-swap", spec.memoryMiB() + "m",
              "--cpus", String.format(java.util.Locale.ROOT, "%.3f", spec.milliCpus() / 1000.0),
              "--pids-limit", Integer.toString(spec.pids()),
              "-p", "127.0.0.1:" + hostPort + ":" + spec.port(), image);
          break;
        } catch (IOException e) {
          // The port was free when picked, but anything may take it before podman binds it (most often an outgoing
          // connection's ephemeral port): pick another.
          if (attempt == 3 || !String.valueOf(e.getMessage()).contains("address already in use")) {
            throw e;
          }
          remove(name);
        }
      }
      Container c = new Container(name, image, URI.create("http://127.0.0.1:" + hostPort + spec.path()));
      try {
        waitReady(c);
      } catch (IOException e) {
        remove(name);
        throw e;
      }
      running.put(id, c);
      LOG.info("service {} ({}) container {} ready at {}", rec.name(), id, name, c.uri());
      return c;
    }
  }

  /**
   * One call: the outcome the container's answer decodes to, or a non-deterministic outcome when the container did
   * not answer (timeout, dead and not restartable, an HTTP status other than 200).
   */
  public Outcome call(ServiceRecord rec, byte[] request, ServiceLimits limits) {
    if (request.length > limits.maxRequestBytes()) {
      return new Outcome.Trap(TrapKind.REQUEST_TOO_LARGE, request.length + " bytes", 0, "");
    }
    Container c;
    try {
      c = ensure(rec);
    } catch (IOException e) {
      return unavailable(e);
    }
    Outcome first = attempt(c, request, limits);
    if (first != null) {
      return first;
    }
    if (stillAlive(c)) {
      return new Outcome.NonDeterministic(Reason.INTERNAL, "container " + c.name() + " did not answer", 0, "");
    }
    LOG.warn("service {} container {} is not running; restarting it", rec.serviceId(), c.name());
    running.remove(rec.serviceId(), c);
    try {
      Outcome again = attempt(start(rec), request, limits);
      return again != null ? again
          : new Outcome.NonDeterministic(Reason.INTERNAL, "restarted container did not answer", 0, "");
    } catch (IOException e) {
      return unavailable(e);
    }
  }

  /** The outcome of one POST, or null when the connection failed (the container may be dead). */
  private Outcome attempt(Container c, byte[] request, ServiceLimits limits) {
    try {
      return post(c, request, limits);
    } catch (HttpTimeoutException e) {
      return new Outcome.NonDeterministic(Reason.TIMEOUT, "no answer within " + limits.timeoutMs() + " ms", 0, "");
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome.NonDeterministic(Reason.SHUTDOWN, "interrupted", 0, "");
    }
  }

  private static Outcome unavailable(IOException e) {
    return new Outcome.NonDeterministic(Reason.UNAVAILABLE, "container not running: " + e.getMessage(), 0, "");
  }

  private Outcome post(Container c, byte[] request, ServiceLimits limits) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(c.uri()).timeout(Duration.ofMillis(limits.timeoutMs()))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(request)).build();
    HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = resp.body()) {
      byte[] bytes = body.readNBytes(limits.maxResponseBytes() + 1);
      if (resp.statusCode() != 200) {
        return new Outcome.NonDeterministic(Reason.INTERNAL, "container answered HTTP " + resp.statusCode(), 0, "");
      }
      if (bytes.length > limits.maxResponseBytes()) {
        return new Outcome.Trap(TrapKind.OUTPUT_TOO_LARGE, "more than " + limits.maxResponseBytes() + " bytes", 0,
            "");
      }
      return ResponseDecoder.decode(bytes, 0, "");
    }
  }

  /** Stops and removes the service's container (the service was withdrawn). */
  public void stop(String serviceId) {
    Container c = running.remove(serviceId);
    if (c != null) {
      remove(c.name());
      LOG.info("service {} container {} stopped", serviceId, c.name());
    }
  }

  /** Ids of the services whose containers run, sorted. */
  public Set<String> running() {
    return new TreeSet<>(running.keySet());
  }

  /** The service's container, if it runs. */
  public Optional<Container> container(String serviceId) {
    return Optional.ofNullable(running.get(serviceId));
  }

  private void pull(String image) throws IOException {
    String digest = image.substring(image.indexOf('@') + 1);
    boolean present;
    try {
      podman.run(30, "image", "exists", image);
      present = true;
    } catch (IOException e) {
      present = false;
    }
    if (!present) {
      String host = image.substring(0, image.indexOf('/'));
      boolean loopback = host.startsWith("127.") || host.startsWith("localhost");
      // A plain-HTTP registry is accepted on loopback only; the digest check below is what makes any pull safe.
      podman.run(600, "pull", "-q", "--tls-verify=" + !loopback, image);
    }
    String seen = podman.run(30, "image", "inspect", "--format", "{{.Digest}} {{join .RepoDigests \" \"}}", image);
    if (!(" " + seen + " ").contains(digest + " ") && !seen.contains("@" + digest)) {
      throw new IOException("image " + image + " does not have digest " + digest + " (podman reports " + seen + ")");
    }
  }

  /**
   * Whether a container that just refused a connection is still running. A container that was killed a moment ago
   * can still read as running while podman tears it down, so it is asked again for a short while before the call is
   * given up as "did not answer" instead of restarting the container.
   */
  private boolean stillAlive(Container c) {
    for (int i = 0; i < 5; i++) {
      if (!alive(c)) {
        return false;
      }
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return true;
      }
    }
    return alive(c);
  }

  private boolean alive(Container c) {
    try {
      return podman.run(30, "inspect", "--format", "{{.State.Running}}", c.name()).equals("true");
    } catch (IOException e) {
      return false;
    }
  }

  private void waitReady(Container c) throws IOException {
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    IOException last = null;
    while (System.nanoTime() < deadline) {
      try {
        http.send(HttpRequest.newBuilder(c.uri()).timeout(Duration.ofSeconds(1)).GET().build(),
            HttpResponse.BodyHandlers.discarding());
        return;
      } catch (IOException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for " + c.name(), e);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for " + c.name(), e);
      }
    }
    throw new IOException("container " + c.name() + " did not answer at " + c.uri() + " within "
        + READY_WITHIN.toSeconds() + " s" + (last == null ? "" : ": " + last.getMessage()));
  }

  private void remove(String name) {
    try {
      podman.run(60, "rm", "-f", "-t", "0", "--ignore", name);
    } catch (IOException e) {
      LOG.warn("could not remove container {}: {}", name, e.getMessage());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Stops every container this node started. */
  @Override
  public void close() {
    for (String id : running()) {
      stop(id);
    }
  }
}
