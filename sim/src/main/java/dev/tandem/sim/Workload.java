package dev.tandem.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.wire.ServiceCall;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The requests clients send to the {@code matrix} service ({@code services/matrix}): products, powers and
 * determinants of small integer matrices, with some calls that end in the service's own errors (an overflowing
 * determinant, mismatched sizes, an unknown method), which are deterministic answers too and verified the same way.
 * A fixed pool drawn from the seed, so the sandbox runs each distinct request once.
 */
final class Workload {
  private final List<ServiceCall> pool;

  Workload(RandomGenerator random, int size) {
    List<ServiceCall> calls = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      calls.add(draw(random));
    }
    this.pool = List.copyOf(calls);
  }

  /** One request of the pool, chosen by {@code random}. */
  ServiceCall next(RandomGenerator random) {
    return pool.get(random.nextInt(pool.size()));
  }

  private static ServiceCall draw(RandomGenerator r) {
    double kind = r.nextDouble();
    ObjectNode params = Json.object();
    String method;
    if (kind < 0.45) {
      method = "multiply";
      int rows = 1 + r.nextInt(4);
      int inner = 1 + r.nextInt(4);
      int cols = 1 + r.nextInt(4);
      params.set("a", matrix(r, rows, inner, 1000));
      // now and then sizes that do not fit: the service answers error -32602, deterministically
      params.set("b", matrix(r, r.nextDouble() < 0.05 ? inner + 1 : inner, cols, 1000));
    } else if (kind < 0.7) {
      method = "power";
      int n = 1 + r.nextInt(4);
      params.set("a", matrix(r, n, n, 9));
      params.put("k", r.nextInt(25));
    } else if (kind < 0.97) {
      method = "determinant";
      int n = 1 + r.nextInt(5);
      // large entries overflow int64 in Bareiss' algorithm: the service's own error 1001
      params.set("a", matrix(r, n, n, r.nextDouble() < 0.1 ? 1L << 40 : 50));
    } else {
      method = "transpose"; // not a method of the service: error -32601
      params.set("a", matrix(r, 2, 2, 9));
    }
    try {
      return ServiceCall.of(method, params);
    } catch (JsonFormatException e) {
      throw new IllegalStateException("a generated request cannot be canonicalized", e);
    }
  }

  private static ArrayNode matrix(RandomGenerator r, int rows, int cols, long bound) {
    ArrayNode m = Json.nodes().arrayNode();
    for (int i = 0; i < rows; i++) {
      ArrayNode row = m.addArray();
      for (int j = 0; j < cols; j++) {
        row.add(r.nextLong(-bound, bound + 1));
      }
    }
    return m;
  }
}
