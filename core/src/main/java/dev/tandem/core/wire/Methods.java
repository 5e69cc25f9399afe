package dev.tandem.core.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import java.util.Base64;

/**
 * The names of a node's JSON-RPC methods ({@code POST /rpc}) and the request shapes both sides build. What each one
 * takes and answers is in docs/protocol.md ("The wire protocol") and docs/operating-a-node.md ("HTTP API").
 */
public final class Methods {
  /** The node's identity, version, offers and counters. */
  public static final String STATUS = "tandem_status";
  /** A page of the registry's record log: {@link #page}. */
  public static final String RECORDS = "tandem_records";
  /**
   * A page of the registry's log index: what {@link #RECORDS} would answer, each record named by type, id and (for a
   * server) seq instead of sent: {@link #page}. Older nodes do not know it.
   */
  public static final String RECORD_INDEX = "tandem_recordIndex";
  /** The current records with the given ids: {@code {"ids": [serviceId or server key…]}}. Older nodes do not know it. */
  public static final String GET_RECORDS = "tandem_getRecords";
  /**
   * A service and the servers offering it, without the rest of the registry: {@code {"service": id, NAME or
   * OWNER/NAME}}. Older nodes do not know it.
   */
  public static final String LOOKUP = "tandem_lookup";
  /** Stores a signed record: {@code {"record": {…}, "module"?: b64, "verifierModule"?: b64}}. */
  public static final String SUBMIT_RECORD = "tandem_submitRecord";
  /** Submits evidence of a conflict: {@link EvidenceReport}. */
  public static final String SUBMIT_EVIDENCE = "tandem_submitEvidence";
  /** A page of the evidence that convicted someone here: {@link #page}. */
  public static final String EVIDENCE = "tandem_evidence";
  /** The node's scores of other servers and its blacklist. */
  public static final String SCORES = "tandem_scores";
  /** Who owes whom under reciprocity. */
  public static final String RECIPROCITY = "tandem_reciprocity";
  /** Admin: offer services ({@code {"service": id}} or {@code {"services": [id…]}}). */
  public static final String OFFER = "tandem_offer";
  /** Admin: withdraw offered services (as {@link #OFFER}). */
  public static final String WITHDRAW = "tandem_withdraw";
  /** Admin: the services this node rewards. */
  public static final String REWARD = "tandem_reward";

  private Methods() {}

  /** The params of a cursor-paged log read ({@link #RECORDS}, {@link #EVIDENCE}): {@code {"cursor":n,"limit":m}}. */
  public static ObjectNode page(long cursor, int limit) {
    ObjectNode p = Json.object();
    p.put("cursor", cursor);
    p.put("limit", limit);
    return p;
  }

  /** The params of {@link #GET_RECORDS}: {@code {"ids": [id…]}}. */
  public static ObjectNode getRecords(java.util.Collection<String> ids) {
    ObjectNode p = Json.object();
    var array = p.putArray("ids");
    ids.forEach(array::add);
    return p;
  }

  /** The params of {@link #SUBMIT_RECORD}: the record, with a module and a verifier module when given. */
  public static ObjectNode submitRecord(ObjectNode record, byte[] module, byte[] verifierModule) {
    ObjectNode p = Json.object();
    p.set("record", record);
    if (module != null) {
      p.put("module", Base64.getEncoder().encodeToString(module));
    }
    if (verifierModule != null) {
      p.put("verifierModule", Base64.getEncoder().encodeToString(verifierModule));
    }
    return p;
  }
}
