package dev.tandem.node;

import dev.tandem.node.evidence.EvidenceSync;
import dev.tandem.node.fault.Fault;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.net.Origins;
import dev.tandem.core.net.PeerPolicy;
import dev.tandem.node.guard.Limit;
import dev.tandem.node.guard.NodeLimits;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.node.store.AtomicFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * How a node runs. Settings come from {@code node.json} in the data dir and from command-line flags (flags win);
 * the node writes the merged settings back, so offers and rewards changed at run time survive a restart.
 */
public record NodeConfig(
    Path dataDir,
    String host,
    int port,
    URI publicUrl,
    List<URI> peers,
    Set<String> offers,
    Set<String> rewards,
    Optional<Path> adminTokenFile,
    int maxServices,
    int maxMemoryMb,
    int maxConcurrentCallsPerService,
    Duration gossipInterval,
    Fault fault,
    Optional<String> registrySpec,
    Optional<Path> ethKeyFile,
    Duration reciprocityGrace,
    Duration reciprocityInterval,
    Duration evidenceSyncInterval,
    Duration probeInterval,
    List<URI> ipfsGateways,
    String peerPolicy,
    String engine,
    double crossCheckRate,
    NodeLimits limits,
    dev.tandem.node.oci.OciOptions oci,
    List<String> trustedProxies) {

  public static final String FILE = "node.json";


  public NodeConfig {
    peers = List.copyOf(peers);
    trustedProxies = List.copyOf(trustedProxies);
    dev.tandem.node.http.TrustedProxies.of(trustedProxies); // fails early, naming the flag
    ipfsGateways = List.copyOf(ipfsGateways);
    offers = Set.copyOf(new LinkedHashSet<>(offers));
    rewards = Set.copyOf(new LinkedHashSet<>(rewards));
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    if (maxServices < 0) {
      throw new IllegalArgumentException("max-services must be >= 0");
    }
    PeerPolicy.parse(peerPolicy); // fails early, naming the flag
    engine = engine == null ? dev.tandem.sandbox.Engines.DEFAULT : engine;
    if (!(crossCheckRate >= 0 && crossCheckRate <= 1)) {
      throw new IllegalArgumentException("--cross-check-rate must be between 0 and 1, got " + crossCheckRate);
    }
    if (publicUrl != null) {
      Origins.require("--public-url", publicUrl);
    }
    limits = limits == null ? NodeLimits.defaults() : limits;
    if (evidenceSyncInterval == null || evidenceSyncInterval.isNegative()) {
      throw new IllegalArgumentException("evidenceSyncInterval must be positive, or zero to turn the sync off; got "
          + evidenceSyncInterval);
    }
    if (probeInterval == null || probeInterval.isNegative()) {
      throw new IllegalArgumentException("probeInterval must be positive, or zero to turn delivery probes off; got "
          + probeInterval);
    }
  }

  public static Builder builder(Path dataDir) {
    return new Builder(dataDir);
  }

  /** The URL others reach this node at: --public-url, or http://host:port. */
  public URI url(int boundPort) {
    if (publicUrl != null) {
      return publicUrl;
    }
    String h = host.contains(":") ? "[" + host + "]" : host;
    return URI.create("http://" + ("0.0.0.0".equals(host) ? "127.0.0.1" : h) + ":" + boundPort);
  }

  public InetSocketAddress listenAddress() {
    return new InetSocketAddress(host, port);
  }

  public NodeConfig withOffers(Set<String> newOffers) {
    return new NodeConfig(dataDir, host, port, publicUrl, peers, newOffers, rewards, adminTokenFile, maxServices,
        maxMemoryMb, maxConcurrentCallsPerService, gossipInterval, fault, registrySpec,
        ethKeyFile, reciprocityGrace, reciprocityInterval, evidenceSyncInterval, probeInterval, ipfsGateways, peerPolicy, engine,
        crossCheckRate, limits,
        oci, trustedProxies);
  }

  public NodeConfig withRewards(Set<String> newRewards) {
    return new NodeConfig(dataDir, host, port, publicUrl, peers, offers, newRewards, adminTokenFile, maxServices,
        maxMemoryMb, maxConcurrentCallsPerService, gossipInterval, fault, registrySpec,
        ethKeyFile, reciprocityGrace, reciprocityInterval, evidenceSyncInterval, probeInterval, ipfsGateways, peerPolicy, engine,
        crossCheckRate, limits,
        oci, trustedProxies);
  }

  /** Writes the persistent settings to {@code node.json} atomically. The fault is never persisted. */
  public void save() throws IOException {
    ObjectNode json = Json.object();
    json.put("listen", host + ":" + port);
    if (publicUrl != null) {
      json.put("publicUrl", publicUrl.toString());
    }
    ArrayNode p = json.putArray("peers");
    peers.forEach(u -> p.add(u.toString()));
    ArrayNode tp = json.putArray("trustedProxies");
    trustedProxies.forEach(tp::add);
    ArrayNode g = json.putArray("ipfsGateways");
    ipfsGateways.forEach(u -> g.add(u.toString()));
    ArrayNode o = json.putArray("offers");
    offers.stream().sorted().forEach(o::add);
    ArrayNode r = json.putArray("rewards");
    rewards.stream().sorted().forEach(r::add);
    adminTokenFile.ifPresent(f -> json.put("adminTokenFile", f.toString()));
    registrySpec.ifPresent(spec -> json.put("registry", spec));
    ethKeyFile.ifPresent(f -> json.put("ethKeyFile", f.toString()));
    json.put("maxServices", maxServices);
    json.put("maxMemoryMb", maxMemoryMb);
    json.put("maxConcurrentCallsPerService", maxConcurrentCallsPerService);
    json.put("gossipIntervalMs", gossipInterval.toMillis());
    json.put("reciprocityGraceMs", reciprocityGrace.toMillis());
    json.put("reciprocityIntervalMs", reciprocityInterval.toMillis());
    json.put("evidenceSyncIntervalMs", evidenceSyncInterval.toMillis());
    json.put("probeIntervalMs", probeInterval.toMillis());
    json.put("peerPolicy", peerPolicy);
    json.put("engine", engine);
    json.put("crossCheckRate", crossCheckRate);
    json.set("limits", limits.toJson());
    Files.createDirectories(dataDir);
    AtomicFiles.write(dataDir.resolve(FILE), (json.toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** Builder seeded from {@code node.json} when present; flags then override. */
  public static final class Builder {
    private final Path dataDir;
    private String host = "127.0.0.1";
    private int port = 7400;
    private URI publicUrl;
    private List<URI> peers = new ArrayList<>();
    private List<URI> ipfsGateways = new ArrayList<>();
    private List<String> trustedProxies = new ArrayList<>();
    private Set<String> offers = new LinkedHashSet<>();
    private Set<String> rewards = new LinkedHashSet<>();
    private Path adminTokenFile;
    private int maxServices = 16;
    private int maxMemoryMb = 1024;
    private int maxConcurrent = 64;
    private Duration gossipInterval = Duration.ofSeconds(2);
    private Fault fault = Fault.NONE;
    private String registrySpec;
    private Duration reciprocityGrace = Duration.ofMinutes(10);
    private Duration reciprocityInterval = Duration.ofSeconds(10);
    private Duration evidenceSyncInterval = EvidenceSync.Settings.DEFAULT_INTERVAL;
    private Duration probeInterval = Duration.ofMinutes(1);
    private Path ethKeyFile;
    private String peerPolicy = "auto";
    private String engine = dev.tandem.sandbox.Engines.DEFAULT;
    private double crossCheckRate;
    private NodeLimits limits = NodeLimits.defaults();
    private dev.tandem.node.oci.OciOptions oci = dev.tandem.node.oci.OciOptions.DEFAULT;

    private Builder(Path dataDir) {
      this.dataDir = dataDir;
    }

    /** Reads {@code node.json} from the data dir if it exists. */
    public Builder loadFile() throws IOException {
      Path file = dataDir.resolve(FILE);
      if (!Files.exists(file)) {
        return this;
      }
      JsonNode json;
      try {
        json = Json.parse(Files.readAllBytes(file));
      } catch (JsonFormatException e) {
        throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage());
      }
      if (json.has("listen")) {
        listen(json.get("listen").asText());
      }
      if (json.has("publicUrl")) {
        publicUrl = URI.create(json.get("publicUrl").asText());
      }
      json.path("peers").forEach(n -> peers.add(URI.create(n.asText())));
      json.path("ipfsGateways").forEach(n -> ipfsGateways.add(URI.create(n.asText())));
      json.path("trustedProxies").forEach(n -> addTrustedProxies(List.of(n.asText())));
      json.path("offers").forEach(n -> offers.add(n.asText()));
      json.path("rewards").forEach(n -> rewards.add(n.asText()));
      if (json.has("adminTokenFile")) {
        adminTokenFile = Path.of(json.get("adminTokenFile").asText());
      }
      if (json.has("registry")) {
        registrySpec = json.get("registry").asText();
      }
      if (json.has("ethKeyFile")) {
        ethKeyFile = Path.of(json.get("ethKeyFile").asText());
      }
      maxServices = json.path("maxServices").asInt(maxServices);
      maxMemoryMb = json.path("maxMemoryMb").asInt(maxMemoryMb);
      maxConcurrent = json.path("maxConcurrentCallsPerService").asInt(maxConcurrent);
      gossipInterval = Duration.ofMillis(json.path("gossipIntervalMs").asLong(gossipInterval.toMillis()));
      reciprocityGrace = Duration.ofMillis(json.path("reciprocityGraceMs").asLong(reciprocityGrace.toMillis()));
      reciprocityInterval =
          Duration.ofMillis(json.path("reciprocityIntervalMs").asLong(reciprocityInterval.toMillis()));
      evidenceSyncInterval =
          Duration.ofMillis(json.path("evidenceSyncIntervalMs").asLong(evidenceSyncInterval.toMillis()));
      probeInterval = Duration.ofMillis(json.path("probeIntervalMs").asLong(probeInterval.toMillis()));
      peerPolicy = json.path("peerPolicy").asText(peerPolicy);
      engine = json.path("engine").asText(engine);
      crossCheckRate = json.path("crossCheckRate").asDouble(crossCheckRate);
      try {
        limits = NodeLimits.fromJson(json.path("limits"));
        // Written at the top level by earlier releases: now limits, whose own entry wins.
        if (json.has("maxBodyBytes") && !json.path("limits").has(Limit.MAX_BODY_BYTES.flag())) {
          limits = limits.with(Limit.MAX_BODY_BYTES, json.get("maxBodyBytes").asLong());
        }
        if (json.has("maxBatch") && !json.path("limits").has(Limit.MAX_BATCH.flag())) {
          limits = limits.with(Limit.MAX_BATCH, json.get("maxBatch").asLong());
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ": " + e.getMessage());
      }
      return this;
    }

    /** {@code HOST:PORT}, {@code [V6]:PORT} or {@code PORT}. */
    public Builder listen(String hostPort) {
      String s = hostPort.trim();
      int colon = s.lastIndexOf(':');
      try {
        if (colon < 0) {
          port = Integer.parseInt(s);
        } else {
          String h = s.substring(0, colon);
          host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
          port = Integer.parseInt(s.substring(colon + 1));
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--listen must be HOST:PORT, got '" + hostPort + "'");
      }
      return this;
    }

    public Builder publicUrl(URI v) { publicUrl = v; return this; }
    public Builder addPeers(List<URI> v) { v.forEach(u -> { if (!peers.contains(u)) peers.add(u); }); return this; }
    /** Trustless IPFS gateways modules and data are fetched from after peers (e.g. https://trustless-gateway.link). */
    public Builder addIpfsGateways(List<URI> v) {
      v.forEach(u -> { if (!ipfsGateways.contains(u)) ipfsGateways.add(u); });
      return this;
    }
    /**
     * The reverse proxies in front of the node (IP addresses or {@code ADDRESS/BITS}): exempt from the per-address
     * connection limit, and a request they forward is keyed by its {@code X-Forwarded-For} caller.
     */
    public Builder addTrustedProxies(List<String> v) {
      v.forEach(p -> { if (!trustedProxies.contains(p)) trustedProxies.add(p); });
      return this;
    }
    public Builder addOffers(List<String> v) { offers.addAll(v); return this; }
    public Builder addRewards(List<String> v) { rewards.addAll(v); return this; }
    public Builder adminTokenFile(Path v) { adminTokenFile = v; return this; }
    public Builder maxServices(int v) { maxServices = v; return this; }
    public Builder maxMemoryMb(int v) { maxMemoryMb = v; return this; }
    public Builder maxConcurrentCallsPerService(int v) { maxConcurrent = v; return this; }
    /** Same as {@code limit(Limit.MAX_BODY_BYTES, v)}. */
    public Builder maxBodyBytes(int v) { return limit(Limit.MAX_BODY_BYTES, v); }
    /** Same as {@code limit(Limit.MAX_BATCH, v)}. */
    public Builder maxBatch(int v) { return limit(Limit.MAX_BATCH, v); }
    public Builder gossipInterval(Duration v) { gossipInterval = v; return this; }
    public Builder fault(Fault v) { fault = v; return this; }
    /** {@code evm:RPC_URL@SERVICE_REGISTRY,SERVER_REGISTRY} to keep the registry on a chain; null for embedded. */
    public Builder registry(String spec) { registrySpec = spec; return this; }
    public Builder ethKeyFile(Path v) { ethKeyFile = v; return this; }
    /** How OCI services run here (flags only, never written to {@code node.json}). */
    public Builder oci(dev.tandem.node.oci.OciOptions v) { oci = v; return this; }
    /** How long a peer may stay in arrears before what this node runs only for it is withdrawn. */
    public Builder reciprocityGrace(Duration v) { reciprocityGrace = v; return this; }
    /** How often the reciprocity planner runs. */
    public Builder reciprocityInterval(Duration v) { reciprocityInterval = v; return this; }
    /**
     * How often the node pulls the convicting evidence it missed from its peers and the servers it knows (default
     * 30 s); {@link Duration#ZERO} turns the pull off.
     */
    public Builder evidenceSyncInterval(Duration v) { evidenceSyncInterval = v; return this; }
    /**
     * How often the node makes one delivery probe: a real call of a service it rewards to a server that offers it,
     * checked against its own run (default 1 min); {@link Duration#ZERO} turns probes off.
     */
    public Builder probeInterval(Duration v) { probeInterval = v; return this; }
    /** Which addresses learned from records this node contacts: auto, public, private, loopback or any. */
    public Builder peerPolicy(String v) { peerPolicy = v; return this; }
    /** The WebAssembly engine services run on ({@code chicory} or {@code graalwasm}); same outcomes either way. */
    public Builder engine(String v) { engine = v; return this; }
    /**
     * The share of answered calls (0 to 1, default 0) the node runs again on its other engine, raising a divergence
     * alarm (metric, log, dashboard) when the two disagree.
     */
    public Builder crossCheckRate(double v) { crossCheckRate = v; return this; }
    /** Sets one {@link Limit}. */
    public Builder limit(Limit l, long v) { limits = limits.with(l, v); return this; }

    public NodeConfig build() {
      return new NodeConfig(dataDir, host, port, publicUrl, peers, offers, rewards,
          Optional.ofNullable(adminTokenFile), maxServices, maxMemoryMb, maxConcurrent,
          gossipInterval, fault, Optional.ofNullable(registrySpec), Optional.ofNullable(ethKeyFile),
          reciprocityGrace, reciprocityInterval, evidenceSyncInterval, probeInterval, ipfsGateways, peerPolicy, engine,
        crossCheckRate, limits,
        oci, trustedProxies);
    }
  }
}
