package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.referee.ModuleFetch;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.EvidenceReport;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.Methods;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A thin JSON-RPC client for one node's {@code /rpc} API: status, registry records, admin methods, and its modules
 * ({@code GET /ipfs/{cid}}). Errors come back as {@link NodeException} with the node's JSON-RPC code and message.
 * Every request goes through a {@link Transport}: HTTP for the command line, the client's own transport inside the
 * SDK (so a simulation carries module fetches too).
 */
public final class NodeClient {
  /** The command line's HTTP, made on first use. */
  private static final class Shared {
    static final Transport HTTP = Transport.http(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3))
        .version(HttpClient.Version.HTTP_1_1).build());
  }

  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);
  private final URI base;
  private final Transport transport;
  private final String adminToken;
  private final Duration timeout;
  private final AtomicLong ids = new AtomicLong();

  public NodeClient(URI base) {
    this(base, null);
  }

  public NodeClient(URI base, String adminToken) {
    this(base, adminToken, Shared.HTTP, DEFAULT_TIMEOUT);
  }

  /** A client on a given HTTP client, with {@code timeout} for each request. */
  public NodeClient(URI base, String adminToken, HttpClient http, Duration timeout) {
    this(base, adminToken, Transport.http(http), timeout);
  }

  /** A client whose requests go through {@code transport}, with {@code timeout} for each. */
  public NodeClient(URI base, String adminToken, Transport transport, Duration timeout) {
    this.base = normalize(base);
    this.transport = transport;
    this.adminToken = adminToken;
    this.timeout = timeout;
  }

  public URI base() {
    return base;
  }

  /** {@code base} without a trailing slash: how node URLs are compared and joined with paths. */
  public static URI normalize(URI base) {
    return NodeUrls.base(base);
  }

  /** Calls a {@code /rpc} method and returns its result. */
  public JsonNode rpc(String method, JsonNode params) throws IOException {
    byte[] body = JsonRpc.request(ids.incrementAndGet(), method, params).toString()
        .getBytes(StandardCharsets.UTF_8);
    Transport.Request req = Transport.Request.post(NodeUrls.rpc(base), body, timeout);
    if (adminToken != null) {
      req = req.header("Authorization", "Bearer " + adminToken);
    }
    Transport.Reply res = send(req);
    JsonNode json;
    try {
      json = Json.parse(res.body());
    } catch (JsonFormatException e) {
      throw new IOException(base + " answered HTTP " + res.status() + " with a body that is not JSON");
    }
    if (json.has("error")) {
      throw new NodeException(json.get("error").path("code").asInt(), json.get("error").path("message").asText());
    }
    return json.get("result");
  }

  private Transport.Reply send(Transport.Request req) throws IOException {
    return ModuleFetch.send(transport, base, req);
  }

  public JsonNode status() throws IOException {
    return rpc(Methods.STATUS, Json.object());
  }

  /** Every record the node holds, paging through {@code tandem_records}. */
  public List<SignedRecord> records() throws IOException {
    List<SignedRecord> out = new ArrayList<>();
    long cursor = 0;
    for (int page = 0; page < 10_000; page++) {
      JsonNode res = recordsPage(cursor, 1000);
      for (JsonNode r : res.path("records")) {
        out.add(SignedRecord.fromJson(r));
      }
      cursor = res.path("next").asLong();
      if (!res.path("more").asBoolean()) {
        break;
      }
    }
    return out;
  }

  /**
   * One page of {@code tandem_records}: {@code {"records":[…],"next":n,"more":bool}}, records unparsed so the caller
   * can skip (and count) invalid ones instead of failing the page.
   */
  public JsonNode recordsPage(long cursor, int limit) throws IOException {
    return rpc(Methods.RECORDS, Methods.page(cursor, limit));
  }

  /** Sends evidence ({@code tandem_submitEvidence} with {@code {"evidence": …}}) and returns the node's answer. */
  public JsonNode submitEvidence(Evidence evidence) throws IOException {
    return rpc(Methods.SUBMIT_EVIDENCE, EvidenceReport.unsigned(evidence));
  }

  /**
   * The module stored under {@code cid} ({@code GET /ipfs/{cid}}), checked against the CID: the node is not trusted,
   * only the hash is.
   *
   * @throws IOException when the node does not have it, or sends bytes that do not hash to {@code cid}
   */
  public byte[] module(Cid cid, int maxBytes) throws IOException {
    return ModuleFetch.get(transport, base, cid, maxBytes, timeout);
  }

  /** Submits a record, with the module bytes for a service record when given. */
  public JsonNode submit(SignedRecord record, byte[] module) throws IOException {
    return submit(record, module, null);
  }

  /** Submits a service record with its module and its verifier module (either may be null). */
  public JsonNode submit(SignedRecord record, byte[] module, byte[] verifierModule) throws IOException {
    return rpc(Methods.SUBMIT_RECORD, Methods.submitRecord(record.toJson(), module, verifierModule));
  }

  /** An error answer from a node. */
  public static final class NodeException extends IOException {
    private final int code;

    public NodeException(int code, String message) {
      super(message + " (code " + code + ")");
      this.code = code;
    }

    public int code() {
      return code;
    }
  }
}
