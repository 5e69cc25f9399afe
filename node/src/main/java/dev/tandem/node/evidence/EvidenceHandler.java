package dev.tandem.node.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.Hashes;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.rpc.JsonRpcClient;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.score.ScoreEvent;
import dev.tandem.core.score.Scores;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.EvidenceReport;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.Judgement;
import dev.tandem.core.wire.Methods;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.Activity;
import dev.tandem.node.hosting.Hosting;
import dev.tandem.node.store.NodeDb;
import dev.tandem.registry.Registry;
import dev.tandem.sandbox.Limits;
import dev.tandem.sandbox.Outcome;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.ServiceModule;
import java.net.URI;
import java.net.http.HttpClient;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tandem_submitEvidence}: checks evidence without trusting whoever sent it. Signatures and hashes are
 * checked first (evidence that fails is dropped, and a signed reporter is penalized); then the node re-runs the
 * request in its own sandbox and convicts every signer whose attested response differs from its own result. New
 * evidence is forwarded once to the nodes this node knows, signed by this node as reporter. Evidence pulled from
 * peers ({@link #receivePulled}, see {@link EvidenceSync}) goes the same way but is not forwarded.
 *
 * <p>Wire form: {@link EvidenceReport} in, {@link Judgement} out.
 */
public final class EvidenceHandler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EvidenceHandler.class);

  private final KeyPair key;
  private final Registry registry;
  private final Hosting hosting;
  private final Sandbox sandbox;
  private final Scores scores;
  private final Activity activity;
  private final Connection db;
  private final Supplier<List<URI>> forwardTo;
  private final JsonRpcClient forwarder;
  private final Semaphore reruns = new Semaphore(2);
  private final java.util.function.Consumer<Attestation> upheldWork;

  public EvidenceHandler(KeyPair key, Registry registry, Hosting hosting, Sandbox sandbox, Scores scores,
      Activity activity, NodeDb db, Supplier<List<URI>> forwardTo, HttpClient http,
      java.util.function.Consumer<Attestation> upheldWork) {
    this.upheldWork = upheldWork;
    this.key = key;
    this.registry = registry;
    this.hosting = hosting;
    this.sandbox = sandbox;
    this.scores = scores;
    this.activity = activity;
    this.db = db.connection();
    this.forwardTo = forwardTo;
    this.forwarder = new JsonRpcClient(http, Duration.ofSeconds(10), 1 << 20);
  }

  /** Handles one {@code tandem_submitEvidence} call. */
  public JsonNode submit(JsonNode params) {
    PublicKey reporter = reporter(params);
    Evidence evidence;
    String id;
    try {
      evidence = Evidence.fromJson(params.get("evidence")).check();
      id = evidence.id();
    } catch (IllegalArgumentException e) {
      if (reporter != null && EvidenceReport.signatureValid(params, reporter, submittedId(params))) {
        scores.record(reporter, ScoreEvent.INVALID); // it relayed something that does not check out
        LOG.warn("dropped invalid evidence from {}: {}", reporter, e.getMessage());
      } else {
        LOG.warn("dropped invalid evidence: {}", e.getMessage());
      }
      throw new JsonRpc.Failure(RpcErrors.REJECTED, "rejected: evidence: " + e.getMessage());
    }
    if (reporter != null && !EvidenceReport.signatureValid(params, reporter, id)) {
      // Whoever sent this is not the reporter it names: there is nobody to penalize.
      throw new JsonRpc.Failure(RpcErrors.REJECTED, "rejected: reporterSig does not verify under " + reporter);
    }
    Receipt receipt = receive(evidence, id, null);
    return receipt.verdict().toJson(id, receipt.known());
  }

  /**
   * What became of one piece of evidence.
   *
   * @param id its {@link Evidence#id()}
   * @param known whether this node had judged it before (then {@code verdict} is the stored one, without keys)
   * @param verdict what the check concluded
   */
  public record Receipt(String id, boolean known, Judgement verdict) {}

  /**
   * Takes evidence pulled from a peer's {@code tandem_evidence}: checked, re-run and stored like submitted evidence,
   * but never forwarded (every node pulls for itself). Evidence already judged here is not re-run.
   *
   * @param json the evidence as the peer stored it
   * @param from the peer it came from, named in the stored verdict's detail
   * @throws IllegalArgumentException when it is not valid evidence; nobody is penalized, since the peer only relays
   *     what it stored and its stored items were not signed by it
   * @throws JsonRpc.Failure with {@link RpcErrors#OVERLOADED} when re-runs stay busy: try again later
   */
  public Receipt receivePulled(JsonNode json, URI from) {
    Evidence evidence = Evidence.fromJson(json).check();
    return receive(evidence, evidence.id(), from);
  }

  /** Judges evidence this node has not judged yet; submitted evidence ({@code pulledFrom} null) is forwarded. */
  private Receipt receive(Evidence evidence, String id, URI pulledFrom) {
    Optional<Judgement> known = known(id);
    if (known.isPresent()) {
      return new Receipt(id, true, known.get());
    }
    Judgement verdict = judge(evidence);
    if (pulledFrom != null) {
      verdict = verdict.withDetail(" (pulled from " + pulledFrom + ")");
    }
    store(id, evidence, verdict);
    if (pulledFrom == null && !verdict.status().equals("pending")) {
      forward(evidence, id, verdict);
    }
    return new Receipt(id, false, verdict);
  }

  private Judgement judge(Evidence evidence) {
    activity.conflict(new Activity.Conflict(System.currentTimeMillis(), evidence.service(),
        evidence.request().requestHash(), evidence.attestations().stream().map(a -> a.server().toString())
            .distinct().toList(), "evidence"));
    Optional<ServiceRecord> record = registry.service(evidence.service());
    if (record.isEmpty()) {
      return Judgement.pending("service record not known here yet");
    }
    // Re-runs are bounded; evidence arrives in small bursts (a client and every forwarding node send the same
    // conflict), so a short wait beats refusing it.
    boolean permitted;
    try {
      permitted = reruns.tryAcquire(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      permitted = false;
    }
    if (!permitted) {
      throw new JsonRpc.Failure(RpcErrors.OVERLOADED, "overloaded: evidence checks are busy; try again");
    }
    Outcome outcome;
    try {
      if (record.get().isOci()) { // re-run through this node's own container of the image
        var runtime = hosting.oci().orElseThrow(() -> new java.io.IOException("this node runs no OCI containers"));
        outcome = runtime.call(record.get(), evidence.request().canonical(), record.get().limits());
      } else {
        ServiceModule module = hosting.moduleFor(record.get());
        var l = record.get().limits();
        // The same inputs by CID as the judged call: content-addressed, so the re-run sees the very same bytes.
        var inputs = hosting.inputs(record.get(), evidence.request().params());
        outcome = sandbox.call(module, evidence.request().canonical(), Limits.builder().fuel(l.fuel())
            .memoryPages(l.memoryPages()).maxRequestBytes(l.maxRequestBytes()).maxResponseBytes(l.maxResponseBytes())
            .timeout(Duration.ofMillis(Math.max(l.timeoutMs(), 5_000))).build(), inputs);
      }
    } catch (Exception e) {
      return Judgement.pending("cannot re-run: " + e.getMessage());
    } finally {
      reruns.release();
    }
    if (!(outcome instanceof Outcome.Deterministic det)) {
      return Judgement.pending("re-run was not deterministic: " + outcome.label());
    }
    String mine = Hashes.sha256Hex(det.responseJson());
    List<PublicKey> convicted = new ArrayList<>();
    List<PublicKey> upheld = new ArrayList<>();
    for (Attestation a : evidence.attestations()) {
      if (a.responseHash().equals(mine)) {
        if (!upheld.contains(a.server())) {
          upheld.add(a.server());
          upheldWork.accept(a); // honest work seen (its signed fuel only): counts in the reciprocity ledger
        }
      } else if (!convicted.contains(a.server())) {
        convicted.add(a.server());
      }
    }
    long now = System.currentTimeMillis();
    for (PublicKey liar : convicted) {
      if (liar.equals(key.publicKey())) {
        LOG.error("evidence shows THIS node signed a wrong answer for {} request {}", evidence.service(),
            evidence.request().requestHash());
        continue;
      }
      // The record of why comes first: whoever sees the score at 0 finds the conviction in the activity too.
      activity.conviction(new Activity.Conviction(now, liar.toString(), evidence.service(),
          evidence.request().requestHash(), "signed response " + shortHash(evidence, liar) + " but a re-run gives "
              + mine.substring(0, 12)));
      scores.convict(liar);
      LOG.info("convicted {}: signed a wrong answer for service {} (re-run here)", liar, evidence.service());
    }
    return new Judgement(convicted.isEmpty() ? "upheld" : "convicted", mine, convicted, upheld, "re-run here");
  }

  private static String shortHash(Evidence evidence, PublicKey server) {
    return evidence.attestations().stream().filter(a -> a.server().equals(server)).findFirst()
        .map(a -> a.responseHash().substring(0, 12)).orElse("?");
  }

  private PublicKey reporter(JsonNode params) {
    JsonNode r = params.get("reporter");
    if (r == null || r.isNull()) {
      return null;
    }
    try {
      return PublicKey.parse(r.asText());
    } catch (IllegalArgumentException e) {
      throw new JsonRpc.Failure(RpcErrors.INVALID_PARAMS, "invalid params: reporter: " + e.getMessage());
    }
  }

  /** The id of the evidence as submitted, when it parses though it does not check out; else null. */
  private static String submittedId(JsonNode params) {
    try {
      return Evidence.fromJson(params.get("evidence")).id();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private void forward(Evidence evidence, String id, Judgement verdict) {
    JsonNode params = EvidenceReport.signed(evidence, id, key);
    for (URI target : forwardTo.get()) {
      forwarder.send(NodeUrls.rpc(target), Methods.SUBMIT_EVIDENCE, params).whenComplete((reply, e) -> {
        if (e != null) {
          LOG.debug("forwarding evidence {} to {} failed: {}", id, target, e.toString());
        }
      });
    }
  }

  private Optional<Judgement> known(String id) {
    synchronized (db) {
      try (PreparedStatement s = db.prepareStatement("SELECT verdict, detail FROM evidence WHERE id = ?")) {
        s.setString(1, id);
        try (ResultSet r = s.executeQuery()) {
          if (r.next() && !r.getString(1).equals("pending")) {
            return Optional.of(new Judgement(r.getString(1), null, List.of(), List.of(), r.getString(2)));
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException("node.db: " + e.getMessage(), e);
      }
    }
    return Optional.empty();
  }

  private void store(String id, Evidence evidence, Judgement verdict) {
    synchronized (db) {
      try {
        db.setAutoCommit(false);
        long seq; // its place in the order tandem_evidence serves: a verdict stored again moves to the end
        try (PreparedStatement s = db.prepareStatement("SELECT COALESCE(MAX(seq), 0) + 1 FROM evidence");
            ResultSet r = s.executeQuery()) {
          seq = r.getLong(1);
        }
        try (PreparedStatement s = db.prepareStatement("INSERT OR REPLACE INTO evidence (id, service, request_hash, "
            + "json, received_at, verdict, detail, seq) VALUES (?,?,?,?,?,?,?,?)")) {
          s.setString(1, id);
          s.setString(2, evidence.service());
          s.setString(3, evidence.request().requestHash());
          s.setString(4, evidence.toJson().toString());
          s.setLong(5, System.currentTimeMillis());
          s.setString(6, verdict.status());
          s.setString(7, verdict.detail() + (verdict.convicted().isEmpty() ? ""
              : "; convicted " + verdict.convicted()));
          s.setLong(8, seq);
          s.executeUpdate();
        }
        try (PreparedStatement s = db.prepareStatement("INSERT OR IGNORE INTO convictions VALUES (?,?,?,?,?)")) {
          for (PublicKey liar : verdict.convicted()) {
            s.setString(1, liar.toString());
            s.setString(2, evidence.service());
            s.setString(3, evidence.request().requestHash());
            s.setLong(4, System.currentTimeMillis());
            s.setString(5, id);
            s.addBatch();
          }
          s.executeBatch();
        }
        db.commit();
      } catch (SQLException e) {
        try {
          db.rollback();
        } catch (SQLException ignored) {
          // report the first failure
        }
        throw new IllegalStateException("node.db: cannot store evidence: " + e.getMessage(), e);
      } finally {
        try {
          db.setAutoCommit(true);
        } catch (SQLException ignored) {
          // broken connection shows up on next use
        }
      }
    }
  }

  @Override
  public void close() {
    forwarder.close();
  }
}
