package dev.tandem.node.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.RpcErrors;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /rpc}: the node's own JSON-RPC methods. Public methods answer anyone; admin methods need the bearer
 * token (without it the whole HTTP answer is 401).
 */
public final class NodeRpc {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRpc.class);

  /** One method: params in, result out; throws {@link JsonRpc.Failure} or IllegalArgumentException. */
  @FunctionalInterface
  public interface Method {
    JsonNode call(JsonNode params) throws Exception;
  }

  /**
   * A method that also needs the caller's address, for quotas per address ({@link CallerAddress}); the address is
   * null when the call did not come over the network.
   */
  @FunctionalInterface
  public interface AddressedMethod {
    JsonNode call(JsonNode params, String callerAddress) throws Exception;
  }

  /** An answer and its HTTP status. */
  public record Answer(int status, byte[] body) {}

  private final Map<String, AddressedMethod> publicMethods = new TreeMap<>();
  private final Map<String, AddressedMethod> adminMethods = new TreeMap<>();
  private final byte[] adminToken;
  private final int maxBatch;

  public NodeRpc(String adminToken, int maxBatch) {
    this.adminToken = adminToken.getBytes(StandardCharsets.UTF_8);
    this.maxBatch = maxBatch;
  }

  public NodeRpc method(String name, Method m) {
    publicMethods.put(name, (params, caller) -> m.call(params));
    return this;
  }

  /** A public method told the caller's address. */
  public NodeRpc methodWithCaller(String name, AddressedMethod m) {
    publicMethods.put(name, m);
    return this;
  }

  public NodeRpc admin(String name, Method m) {
    adminMethods.put(name, (params, caller) -> m.call(params));
    return this;
  }

  public Set<String> methods() {
    Set<String> all = new java.util.TreeSet<>(publicMethods.keySet());
    all.addAll(adminMethods.keySet());
    return all;
  }

  public Answer handle(byte[] body, String authorization) {
    return handle(body, authorization, null);
  }

  /**
   * Answers one {@code POST /rpc} body.
   *
   * @param callerAddress the caller's address as {@link CallerAddress#of} keys it, or null when unknown
   */
  public Answer handle(byte[] body, String authorization, String callerAddress) {
    Envelope.Parsed parsed = Envelope.parse(body, maxBatch);
    if (parsed.error() != null) {
      return new Answer(200, parsed.error());
    }
    boolean authorized = authorized(authorization);
    // The whole batch is authorized before any item runs: an admin item refused after public ones had run would
    // tell the caller "unauthorized" about a batch whose side effects already happened.
    if (!authorized) {
      for (Envelope.Item item : parsed.items()) {
        if (item.error() == null && !publicMethods.containsKey(item.method())
            && adminMethods.containsKey(item.method())) {
          return new Answer(401, Envelope.error(item.id(), RpcErrors.UNAUTHORIZED,
              "unauthorized: " + item.method() + " needs the admin bearer token; nothing in the batch ran"));
        }
      }
    }
    List<byte[]> answers = new ArrayList<>();
    long bytes = 0;
    for (Envelope.Item item : parsed.items()) {
      if (item.error() != null) {
        answers.add(item.error());
        continue;
      }
      if (!Envelope.hasRoom(parsed.batch(), bytes)) {
        answers.add(item.notification() ? null : Envelope.noRoom(item.id()));
        continue;
      }
      AddressedMethod m = publicMethods.get(item.method());
      if (m == null && adminMethods.containsKey(item.method())) {
        m = adminMethods.get(item.method());
      }
      byte[] answer;
      if (m == null) {
        answer = Envelope.error(item.id(), RpcErrors.METHOD_NOT_FOUND, "method not found: " + item.method());
      } else {
        answer = invoke(m, item, callerAddress);
      }
      bytes += answer.length;
      answers.add(item.notification() ? null : answer);
    }
    return new Answer(200, Envelope.join(answers, parsed.batch()));
  }

  private static byte[] invoke(AddressedMethod m, Envelope.Item item, String callerAddress) {
    try {
      JsonNode result = m.call(item.params() == null ? dev.tandem.core.json.Json.object() : item.params(),
          callerAddress);
      return JsonRpc.result(item.id(), result).toString().getBytes(StandardCharsets.UTF_8);
    } catch (JsonRpc.Failure f) {
      return Envelope.error(item.id(), f.code(), f.getMessage());
    } catch (dev.tandem.core.record.RecordException e) {
      return Envelope.error(item.id(), RpcErrors.REJECTED, "rejected: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      return Envelope.error(item.id(), RpcErrors.INVALID_PARAMS, "invalid params: " + e.getMessage());
    } catch (Exception e) {
      LOG.warn("{} failed", item.method(), e);
      return Envelope.error(item.id(), RpcErrors.SERVER_ERROR, "internal error in " + item.method());
    }
  }

  /** Whether an {@code Authorization} header carries the admin bearer token. */
  public boolean authorized(String authorization) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return false;
    }
    byte[] given = authorization.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(given, adminToken); // constant time
  }
}
