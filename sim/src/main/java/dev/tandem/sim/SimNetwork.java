package dev.tandem.sim;

import dev.tandem.core.rpc.Transport;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/**
 * The simulated network between clients and nodes, on virtual time. A request travels, is handled by the node if it
 * is up, and the reply travels back; on the way messages are lost, held back or corrupted, partitions cut parties
 * off, and a node that crashes while working breaks the connection. Failures reach the client the way
 * {@link java.net.http.HttpClient} reports them, so the client's own code tells them apart.
 */
final class SimNetwork {
  /** What a node's handler gives back: the HTTP status, the body and how long the node worked on it. */
  record Served(int status, byte[] body, long nanos) {}

  /** A node as the network sees it. */
  interface Host {
    String name();

    boolean up();

    /** Changes on every crash: a reply computed before a crash is never sent. */
    int epoch();

    /** Handles a request that reached the node. */
    Served handle(String from, String path, byte[] body);
  }

  private final VirtualTime time;
  private final RandomGenerator random;
  private final FaultRates rates;
  private final Tally tally;
  private final Map<String, Host> hosts = new TreeMap<>();
  /** One-way base latency of each party's link, in nanoseconds. */
  private final Map<String, Long> links = new TreeMap<>();
  private final List<Set<String>> partitions = new ArrayList<>();

  SimNetwork(VirtualTime time, RandomGenerator random, FaultRates rates, Tally tally) {
    this.time = time;
    this.random = random;
    this.rates = rates;
    this.tally = tally;
  }

  /** Adds a party: a node ({@code host} not null, reached at {@code <name>.sim}) or a client. */
  void join(String name, Host host) {
    links.put(name, ms(host == null ? 1 + random.nextDouble() * 4 : 1 + random.nextDouble() * 39));
    if (host != null) {
      hosts.put(name + ".sim", host);
    }
  }

  /** The transport of one party: what it sends leaves from {@code from}. */
  Transport transport(String from) {
    return (url, body, timeout) -> post(from, url, body, timeout);
  }

  /** Cuts {@code side} off from every other party until {@link #heal}. */
  void partition(Set<String> side) {
    partitions.add(side);
  }

  void heal(Set<String> side) {
    partitions.remove(side);
  }

  /** Whether a message from {@code a} to {@code b} is lost to a partition now. */
  boolean cut(String a, String b) {
    for (Set<String> p : partitions) {
      if (p.contains(a) != p.contains(b)) {
        return true;
      }
    }
    return false;
  }

  CompletableFuture<Transport.Reply> post(String from, URI url, byte[] body, Duration timeout) {
    CompletableFuture<Transport.Reply> reply = new CompletableFuture<>();
    Host host = hosts.get(url.getHost());
    if (host == null) {
      throw new IllegalArgumentException("no simulated node at " + url);
    }
    String path = url.getPath();
    time.after(timeout.toNanos(), () -> {
      if (reply.completeExceptionally(new HttpTimeoutException("request timed out"))) {
        tally.effect("request timed out");
      }
    });
    if (cut(from, host.name())) {
      tally.effect("message lost to a partition");
      return reply;
    }
    if (lost()) {
      return reply;
    }
    time.after(travel(from, host.name()), () -> arrive(from, host, path, body, reply));
    return reply;
  }

  private void arrive(String from, Host host, String path, byte[] body, CompletableFuture<Transport.Reply> reply) {
    boolean call = path.startsWith("/services/");
    if (call && reply.isDone()) {
      return; // the client gave up: running the call would change nothing (evidence is still handled)
    }
    if (!host.up()) {
      tally.effect("connection refused (node down)");
      time.after(travel(host.name(), from), () -> reply.completeExceptionally(
          new ConnectException("Connection refused")));
      return;
    }
    if (cut(from, host.name())) {
      tally.effect("message lost to a partition");
      return;
    }
    int epoch = host.epoch();
    Served served = host.handle(from, path, body);
    time.after(served.nanos(), () -> {
      if (host.epoch() != epoch) {
        tally.effect("connection reset (node crashed while working)");
        time.after(travel(host.name(), from), () -> reply.completeExceptionally(
            new IOException("connection reset")));
        return;
      }
      if (cut(host.name(), from)) {
        tally.effect("message lost to a partition");
        return;
      }
      if (lost()) {
        return;
      }
      byte[] out = served.body();
      if (rates.corrupt() > 0 && random.nextDouble() < rates.corrupt()) {
        out = corrupt(out);
        tally.fault("reply corrupted in transit");
      }
      Transport.Reply r = new Transport.Reply(served.status(), out);
      time.after(travel(host.name(), from), () -> reply.complete(r));
    });
  }

  private boolean lost() {
    if (rates.drop() > 0 && random.nextDouble() < rates.drop()) {
      tally.fault("message dropped");
      return true;
    }
    return false;
  }

  /** One-way time from {@code a} to {@code b}: both links, some jitter, now and then a long hold-up. */
  private long travel(String a, String b) {
    long base = links.get(a) + links.get(b);
    long jitter = (long) (base * 0.2 * -Math.log(1 - random.nextDouble()));
    long held = 0;
    if (rates.delay() > 0 && random.nextDouble() < rates.delay()) {
      held = ms(200 + random.nextDouble() * 2_800);
      tally.fault("message delayed");
    }
    return base + jitter + held;
  }

  private byte[] corrupt(byte[] body) {
    byte[] out = body.clone();
    if (out.length > 0) {
      int at = random.nextInt(out.length);
      out[at] = (byte) (out[at] ^ (1 + random.nextInt(255)));
    }
    return out;
  }

  static long ms(double millis) {
    return (long) (millis * 1_000_000);
  }
}
