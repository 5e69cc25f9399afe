package dev.tandem.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.score.ScoreEvent;
import dev.tandem.core.score.Scores;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.core.wire.ServiceCall;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One simulated server. It answers {@code POST /services/{id}} in the wire format of the node's
 * {@code ServiceEndpoint} (the JSON-RPC response plus a {@code tandem} attestation it signs with its Ed25519 key)
 * and {@code tandem_submitEvidence} the way the node's {@code EvidenceHandler} does: check the evidence, re-run the
 * request, convict every signer whose answer differs, forward new evidence once to the other nodes, signed as
 * reporter. A liar signs wrong answers; it neither convicts nor forwards.
 *
 * <p>It crashes and restarts: a crash loses what the process held in memory (scores not yet stored, answers being
 * computed), while its database (stored scores, evidence seen) survives.
 */
final class SimNode implements SimNetwork.Host {

  /**
   * Whether and how a node lies: a liar behaves until call {@code turnAt} (earning a good score, as a patient
   * cheater would), or until it gave {@code lieAfter} answers when that is not negative, then lies on a call with
   * probability {@code lieRate}.
   */
  record Role(boolean liar, int ordinal, double lieRate, long turnAt, long lieAfter) {
    static final Role HONEST = new Role(false, -1, 0, Long.MAX_VALUE, -1);
  }

  private final World world;
  private final int index;
  private final String name;
  private final KeyPair key;
  private final URI url;
  private final Role role;
  private final FencedStore store = new FencedStore();
  /** Evidence ids seen (the node's database); only looked up, never iterated. */
  private final Set<String> evidenceSeen = new HashSet<>();
  /** Signed attestations by content: Ed25519 is deterministic, so signing again would give the same bytes. */
  private final Map<String, String> signed = new HashMap<>();
  /** Answers signed so far, for a liar that lies only after a number of its own answers. */
  private long answersGiven;
  private final long workNanos;
  private boolean up = true;
  private int epoch;
  private long slowUntil;
  private long slowExtra;
  private Scores scores;

  SimNode(World world, int index, KeyPair key, Role role) {
    this.world = world;
    this.index = index;
    this.name = String.format("n%02d", index);
    this.key = key;
    this.url = URI.create("http://" + name + ".sim:7400");
    this.role = role;
    this.workNanos = SimNetwork.ms(0.5 + world.random().nextDouble() * 4.5);
    this.scores = new Scores(store.open(), world.time().clock());
  }

  int index() {
    return index;
  }

  @Override
  public String name() {
    return name;
  }

  PublicKey key() {
    return key.publicKey();
  }

  KeyPair keyPair() {
    return key;
  }

  URI url() {
    return url;
  }

  Role role() {
    return role;
  }

  @Override
  public boolean up() {
    return up;
  }

  @Override
  public int epoch() {
    return epoch;
  }

  /** This node's scores of other servers (its current process's). */
  Scores scores() {
    return scores;
  }

  /** The process dies: answers being computed are lost, and so are score changes not yet stored. */
  void crash() {
    up = false;
    epoch++;
    store.fence();
  }

  /** The process starts again from its database. */
  void restart() {
    up = true;
    scores = new Scores(store.open(), world.time().clock());
  }

  /** Answers slower by {@code extraNanos} for {@code forNanos}. */
  void slowDown(long forNanos, long extraNanos) {
    slowUntil = world.time().nanoTime() + forNanos;
    slowExtra = extraNanos;
  }

  @Override
  public SimNetwork.Served handle(String from, String path, byte[] body) {
    long nanos = workNanos + (world.time().nanoTime() < slowUntil ? slowExtra : 0);
    byte[] answer = path.startsWith("/services/") ? serve(path.substring("/services/".length()), body)
        : path.equals("/rpc") ? rpc(body) : error(null, RpcErrors.INVALID_REQUEST, "no such path " + path);
    return new SimNetwork.Served(200, answer, nanos);
  }

  // ---- POST /services/{id} -------------------------------------------------------------------------------

  private byte[] serve(String serviceId, byte[] body) {
    JsonNode req;
    try {
      req = Json.parse(body);
    } catch (JsonFormatException e) {
      return error(null, RpcErrors.PARSE_ERROR, "parse error: " + e.getMessage());
    }
    JsonNode id = req.get("id");
    if (world.registry().service(serviceId).isEmpty()) {
      return error(id, RpcErrors.UNKNOWN_SERVICE, "service " + serviceId + " is not offered by this node");
    }
    if (world.rates().overload() > 0 && world.random().nextDouble() < world.rates().overload()) {
      world.tally().fault("node overloaded (-32000)");
      return error(id, RpcErrors.OVERLOADED, "overloaded: too many concurrent calls of " + serviceId
          + "; try another node");
    }
    JsonNode params = req.get("params");
    ServiceCall call;
    try {
      call = ServiceCall.of(req.path("method").asText(), params == null || params.isNull() ? null : params);
    } catch (JsonFormatException e) {
      return error(id, RpcErrors.INVALID_PARAMS, "invalid params: " + e.getMessage());
    }
    Oracle.Answer truth = world.oracle().answer(call);
    byte[] response = truth.response();
    String responseHash = truth.responseHash();
    boolean turned = role.lieAfter() >= 0 ? answersGiven++ >= role.lieAfter() : world.tally().call() >= role.turnAt();
    if (role.liar() && turned && lies(call)) {
      response = world.lieStyle().twist(response, role.ordinal());
      responseHash = Hashes.sha256Hex(response);
      world.tally().lieSigned(index);
    }
    String att = attestation(serviceId, call.requestHash(), responseHash, truth.fuel());
    return envelope(id, response, att);
  }

  private boolean lies(ServiceCall call) {
    if (world.lieStyle() == LieStyle.COLLUDE) {
      // colluders lie on the same requests, or their agreement would buy them nothing
      long h = Long.parseUnsignedLong(call.requestHash().substring(0, 13), 16) ^ world.lieSalt();
      return (double) (h & ((1L << 52) - 1)) / (1L << 52) < role.lieRate();
    }
    return world.random().nextDouble() < role.lieRate();
  }

  private String attestation(String serviceId, String requestHash, String responseHash, long fuel) {
    return signed.computeIfAbsent(serviceId + requestHash + responseHash,
        k -> Attestation.sign(key, serviceId, requestHash, responseHash, fuel).toJson().toString());
  }

  /** {@code {"jsonrpc":"2.0","id":…,<inner of response>,"tandem":{…}}}, as the node's endpoint writes it. */
  private static byte[] envelope(JsonNode id, byte[] response, String attestation) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(response.length + 400);
    out.writeBytes(("{\"jsonrpc\":\"2.0\",\"id\":" + (id == null ? "null" : id.toString()) + ",")
        .getBytes(StandardCharsets.UTF_8));
    out.write(response, 1, response.length - 2);
    out.writeBytes((",\"tandem\":" + attestation + "}").getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private static byte[] error(JsonNode id, int code, String message) {
    return JsonRpc.error(id, code, message).toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] result(JsonNode id, JsonNode result) {
    return JsonRpc.result(id, result).toString().getBytes(StandardCharsets.UTF_8);
  }

  // ---- POST /rpc tandem_submitEvidence ------------------------------------------------------------------

  private byte[] rpc(byte[] body) {
    JsonNode req;
    try {
      req = Json.parse(body);
    } catch (JsonFormatException e) {
      return error(null, RpcErrors.PARSE_ERROR, "parse error: " + e.getMessage());
    }
    JsonNode id = req.get("id");
    if (!"tandem_submitEvidence".equals(req.path("method").asText())) {
      return error(id, RpcErrors.METHOD_NOT_FOUND, "method not found");
    }
    try {
      return result(id, submit(req.path("params")));
    } catch (JsonRpc.Failure f) {
      return error(id, f.code(), f.getMessage());
    }
  }

  private JsonNode submit(JsonNode params) {
    ObjectNode out = Json.object();
    if (role.liar()) {
      out.put("status", "ignored"); // a liar keeps quiet about lies
      return out;
    }
    PublicKey reporter;
    try {
      reporter = params.hasNonNull("reporter") ? PublicKey.parse(params.get("reporter").asText()) : null;
    } catch (IllegalArgumentException e) {
      throw new JsonRpc.Failure(RpcErrors.INVALID_PARAMS, "invalid params: reporter: " + e.getMessage());
    }
    Evidence evidence;
    String id;
    try {
      evidence = Evidence.fromJson(params.get("evidence"));
      id = evidence.id();
      if (!evidenceSeen.contains(id)) {
        evidence.check(); // evidence with a known id names signed answers already checked and judged
      }
    } catch (IllegalArgumentException e) {
      if (reporter != null) {
        scores.record(reporter, ScoreEvent.INVALID);
      }
      throw new JsonRpc.Failure(RpcErrors.REJECTED, "rejected: evidence: " + e.getMessage());
    }
    if (reporter != null && !reporterSignatureValid(params, reporter, id)) {
      scores.record(reporter, ScoreEvent.INVALID);
      throw new JsonRpc.Failure(RpcErrors.REJECTED, "rejected: reporterSig does not verify under " + reporter);
    }
    out.put("id", id);
    if (!evidenceSeen.add(id)) {
      out.put("status", "known");
      return out;
    }
    // Re-run the request: the oracle is this node's own sandbox run of it (memoized, deterministic).
    String mine = world.oracle().answer(evidence.request()).responseHash();
    ArrayNode convicted = out.putArray("convicted");
    ArrayNode upheld = out.putArray("upheld");
    List<PublicKey> done = new ArrayList<>();
    for (Attestation a : evidence.attestations()) {
      if (done.contains(a.server())) {
        continue;
      }
      done.add(a.server());
      if (a.responseHash().equals(mine)) {
        upheld.add(a.server().toString());
      } else if (!a.server().equals(key.publicKey())) {
        scores.convict(a.server());
        world.tally().nodeConvicted(index, a.server());
        convicted.add(a.server().toString());
      }
    }
    out.put("status", convicted.isEmpty() ? "upheld" : "convicted");
    out.put("responseHash", mine);
    forward(evidence, id);
    return out;
  }

  private static boolean reporterSignatureValid(JsonNode params, PublicKey reporter, String id) {
    try {
      byte[] sig = Base64.getUrlDecoder().decode(params.path("reporterSig").asText());
      return reporter.verify(Evidence.reportMessage(id), sig);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Sends new evidence once to every other node, signed by this node as reporter; answers are not awaited. */
  private void forward(Evidence evidence, String id) {
    ObjectNode params = Json.object();
    params.set("evidence", evidence.toJson());
    params.put("reporter", key.publicKey().toString());
    params.put("reporterSig", Base64.getUrlEncoder().withoutPadding()
        .encodeToString(key.sign(Evidence.reportMessage(id))));
    byte[] body = JsonRpc.request(1, "tandem_submitEvidence", params).toString().getBytes(StandardCharsets.UTF_8);
    for (SimNode other : world.nodes()) {
      if (other != this) {
        world.network().post(name, URI.create(other.url() + "/rpc"), body, Duration.ofSeconds(10));
      }
    }
  }
}
