package dev.tandem.bench.sandbox;

import java.nio.file.Path;

/**
 * One benchmark workload: a tandem-v1 module and the request that drives it.
 *
 * @param name short name used in the table
 * @param module path of the module relative to the repository root
 * @param method the JSON-RPC method
 * @param n the problem size at scale 1 (0 when the request has no size)
 * @param interpreterDivisor the interpreter runs at {@code n / divisor} and is scaled up by the fuel ratio
 * @param runsFactor timed runs are multiplied by this (short kernels need more samples)
 * @param nativeSource C source of a native build (relative to the root), or null if there is none
 */
record Kernel(String name, String module, String method, long n, int interpreterDivisor, int runsFactor,
    String nativeSource) {

  static final String SEARCH_QUERY = "library for the python programming language";

  /** The request at size {@code size}. */
  String request(long size) {
    if (method.equals("query")) {
      return "{\"method\":\"query\",\"params\":{\"limit\":10,\"q\":\"" + SEARCH_QUERY + "\"}}";
    }
    return "{\"method\":\"" + method + "\",\"params\":{\"n\":" + size + "}}";
  }

  Path modulePath(Path root) {
    return root.resolve(module);
  }

  long scaled(double scale) {
    return n == 0 ? 0 : Math.max(1, Math.round(n * (name.equals("matmul") ? Math.cbrt(scale) : scale)));
  }
}
