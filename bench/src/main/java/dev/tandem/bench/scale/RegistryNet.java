package dev.tandem.bench.scale;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.registry.Registry;
import dev.tandem.registry.gossip.RegistryRpc;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Registries reachable in-process: a {@link Transport} that hands each JSON-RPC request to the {@link RegistryRpc}
 * of the registry registered at the request's host and port, as a node's {@code /rpc} would, on a virtual thread of
 * its own. Only HTTP is left out, so a benchmark can run many registries and their gossip in one process with the
 * real record, store and gossip code.
 */
final class RegistryNet implements Transport, AutoCloseable {
  private final Map<String, RegistryRpc> byAuthority = new ConcurrentHashMap<>();
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

  /** Serves {@code registry} at {@code url}'s host and port. */
  void add(URI url, Registry registry) {
    byAuthority.put(url.getAuthority(), new RegistryRpc(registry));
  }

  @Override
  public CompletableFuture<Reply> post(URI url, byte[] body, Duration timeout) {
    RegistryRpc rpc = byAuthority.get(url.getAuthority());
    if (rpc == null) {
      return CompletableFuture.failedFuture(new ConnectException("connection refused: " + url));
    }
    return CompletableFuture.supplyAsync(() -> new Reply(200, answer(rpc, body)), threads);
  }

  private static byte[] answer(RegistryRpc rpc, byte[] body) {
    JsonNode req;
    try {
      req = Json.parse(body);
    } catch (JsonFormatException e) {
      return bytes(JsonRpc.error(null, RpcErrors.PARSE_ERROR, e.getMessage()));
    }
    JsonNode id = req.get("id");
    try {
      return bytes(JsonRpc.result(id, rpc.handle(req.path("method").asText(), req.get("params"))));
    } catch (RecordException e) {
      return bytes(JsonRpc.error(id, RpcErrors.REJECTED, e.getMessage()));
    } catch (IllegalArgumentException e) {
      return bytes(JsonRpc.error(id, RpcErrors.INVALID_PARAMS, e.getMessage()));
    }
  }

  private static byte[] bytes(JsonNode json) {
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    threads.close();
  }
}
