package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.cid.UnixFs;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.EvidenceReport;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.Methods;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A thin JSON-RPC client for one node's {@code /rpc} API: status, registry records, admin methods. Errors come back
 * as {@link NodeException} with the node's JSON-RPC code and message.
 */
public final class NodeClient {
  private static final HttpClient SHARED = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3))
      .version(HttpClient.Version.HTTP_1_1).build();
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);
  private final URI base;
  private final HttpClient http;
  private final String adminToken;
  private final Duration timeout;
  private final AtomicLong ids = new AtomicLong();

  public NodeClient(URI base) {
    this(base, null);
  }

  public NodeClient(URI base, String adminToken) {
    this(base, adminToken, SHARED, DEFAULT_TIMEOUT);
  }

  /** A client on a given HTTP client, with {@code timeout} for each request. */
  public NodeClient(URI base, String adminToken, HttpClient http, Duration timeout) {
    this.base = normalize(base);
    this.http = http;
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
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + "/rpc")).timeout(timeout)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (adminToken != null) {
      req.header("Authorization", "Bearer " + adminToken);
    }
    HttpResponse<byte[]> res = send(req.build());
    JsonNode json;
    try {
      json = Json.parse(res.body());
    } catch (JsonFormatException e) {
      throw new IOException(base + " answered HTTP " + res.statusCode() + " with a body that is not JSON");
    }
    if (json.has("error")) {
      throw new NodeException(json.get("error").path("code").asInt(), json.get("error").path("message").asText());
    }
    return json.get("result");
  }

  HttpResponse<byte[]> send(HttpRequest req) throws IOException {
    try {
      return http.send(req, HttpResponse.BodyHandlers.ofByteArray());
    } catch (ConnectException e) {
      throw new IOException("cannot reach node at " + base + " (connection refused)");
    } catch (HttpTimeoutException e) {
      throw new IOException("node at " + base + " did not answer in time");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
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
    HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/ipfs/" + cid)).timeout(timeout).GET().build();
    HttpResponse<byte[]> res = send(req);
    if (res.statusCode() != 200) {
      throw new IOException(base + " does not serve module " + cid + " (HTTP " + res.statusCode() + ")");
    }
    byte[] bytes = res.body();
    if (bytes.length > maxBytes) {
      throw new IOException(base + " sent " + bytes.length + " bytes for module " + cid + ", the limit is "
          + maxBytes);
    }
    // A dag-pb CID may be any of the DAGs Kubo makes (CIDv1 means raw leaves unless told otherwise).
    Cid actual = cid.isRaw() ? Cid.rawSha256(bytes) : UnixFs.kuboCid(bytes, cid.version(), cid.version() == 1);
    if (!actual.equals(cid) && (cid.isRaw() || !UnixFs.kuboCids(new java.io.ByteArrayInputStream(bytes)).contains(cid))) {
      throw new IOException(base + " sent bytes for module " + cid + " that hash to " + actual);
    }
    return bytes;
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
