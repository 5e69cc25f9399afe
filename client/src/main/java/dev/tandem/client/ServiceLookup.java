package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.rpc.JsonRpcClient;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.wire.Methods;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One lookup of one service on one bootstrap node ({@code tandem_lookup}, docs/protocol.md "Looking a service up") for
 * the {@link Directory}: the services a reference may name and the servers offering the one it names, each record
 * validated and its signature checked as {@link RecordPull} does. The answer is bounded as the node bounds it: at
 * most {@value #SERVICES} services and {@value #SERVERS} servers, or it is refused whole.
 */
final class ServiceLookup {
  private static final int SERVICES = 100;
  private static final int SERVERS = 1000;
  /** JSON-RPC's "method not found": a node of an older release. */
  private static final int METHOD_NOT_FOUND = -32601;
  private static final int INVALID_PARAMS = -32602;
  /** Most keys a lookup asks to have sent first (the node's {@code RegistryRpc.MAX_PREFERRED}). */
  static final int PREFERRED = 256;

  /** A node that does not know {@code tandem_lookup}: it is pulled whole instead. */
  static final class NotKnown extends IOException {
    NotKnown(String message) {
      super(message);
    }
  }

  private ServiceLookup() {}

  /**
   * Looks {@code ref} up on {@code node}, asking for the servers of the keys in {@code prefer} (those this client
   * trusts) first.
   *
   * @throws NotKnown when the node does not know the method
   * @throws IOException when the node cannot be reached, answers with another error or an answer of the wrong shape
   */
  static RecordPull.Result from(URI node, String ref, List<PublicKey> prefer, Transport transport,
      Duration timeout) throws IOException, InterruptedException {
    JsonNode answer;
    JsonRpcClient rpc = new JsonRpcClient(transport, timeout);
    ObjectNode params = Json.object().put("service", ref);
    if (!prefer.isEmpty()) {
      ArrayNode keys = params.putArray("prefer");
      prefer.stream().limit(PREFERRED).forEach(k -> keys.add(k.toString()));
    }
    try {
      try {
        answer = rpc.call(NodeUrls.rpc(node), Methods.LOOKUP, params);
      } catch (JsonRpcClient.RpcError e) {
        if (!params.has("prefer") || e.code() != INVALID_PARAMS || !e.getMessage().contains("params.prefer is not")) {
          throw e;
        }
        // A node of the release before "prefer": asked again without it.
        answer = rpc.call(NodeUrls.rpc(node), Methods.LOOKUP, params.without("prefer"));
      }
    } catch (JsonRpcClient.RpcError e) {
      if (e.code() == METHOD_NOT_FOUND) {
        throw new NotKnown(node + " does not know " + Methods.LOOKUP);
      }
      throw new IOException("it answered " + Methods.LOOKUP + " with an error: " + e.getMessage(), e);
    }
    JsonNode services = answer.path("services");
    JsonNode servers = answer.path("servers");
    if (!services.isArray() || services.size() > SERVICES || !servers.isArray() || servers.size() > SERVERS) {
      throw new IOException(Methods.LOOKUP + " answer is not {services: [at most " + SERVICES + "], servers: [at most "
          + SERVERS + "], more: bool}");
    }
    List<SignedRecord> out = new ArrayList<>();
    for (JsonNode r : services) {
      add(out, r, node);
    }
    for (JsonNode r : servers) {
      add(out, r, node);
    }
    return new RecordPull.Result(node, -1, null, out);
  }

  /** Whether {@code node} answers at all ({@code tandem_status}): a client that looks services up pulls nothing first. */
  static RecordPull.Result status(URI node, Transport transport, Duration timeout)
      throws IOException, InterruptedException {
    try {
      new JsonRpcClient(transport, timeout).call(NodeUrls.rpc(node), Methods.STATUS, Json.object());
    } catch (JsonRpcClient.RpcError e) {
      throw new IOException("it answered " + Methods.STATUS + " with an error: " + e.getMessage(), e);
    }
    return new RecordPull.Result(node, -1, null, List.of());
  }

  private static void add(List<SignedRecord> out, JsonNode json, URI node) {
    SignedRecord r = RecordPull.validate(json, node);
    if (r != null) {
      out.add(r);
    }
  }
}
