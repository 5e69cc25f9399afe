package dev.tandem.bench.network;

import dev.tandem.client.NodeClient;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.OciSpec;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import dev.tandem.node.oci.LocalRegistry;
import dev.tandem.node.oci.OciOptions;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * What running a service in a container costs a node: the example image's own answer time (an HTTP POST straight
 * to its published port) against a call through the node (JSON-RPC in, canonical response, signed attestation out),
 * and the first call after the image is pulled (pull by digest, digest check, start, first answer).
 */
public final class OciBenchmark {
  private static final String REQUEST = "{\"method\":\"sum\",\"params\":{\"numbers\":[1,2,3,4,5,6,7,8]}}";

  private OciBenchmark() {}

  /** Runs the benchmark and prints its table; 0 also when OCI cannot run here (it says so in one line). */
  public static int run(PrintStream out, Path repoRoot, int calls) throws Exception {
    if (!LocalRegistry.available()) {
      out.println(LocalRegistry.UNAVAILABLE);
      return 0;
    }
    Path dir = Files.createTempDirectory("tandem-bench-oci");
    try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"))) {
      Map<String, String> images = registry.pushExamples(repoRoot);
      String image = images.get("tally");
      // Forget the built image, so the node really pulls it from the registry.
      new ProcessBuilder("podman", "rmi", "-f", "localhost/tandem/tally:build", image).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
      try (Node node = Node.start(NodeConfig.builder(dir.resolve("node")).listen("127.0.0.1:0")
          .oci(OciOptions.DEFAULT).build())) {
        ServiceRecord tally = ServiceRecord.builder().name("tally").oci(OciSpec.of(image, 8080))
            .sign(KeyPair.generate());
        new NodeClient(node.url()).submit(tally, null);
        String token = Files.readString(node.config().dataDir().resolve("admin.token")).trim();
        var p = Json.object();
        p.put("service", tally.serviceId());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI viaNode = URI.create(node.url() + "/services/" + tally.serviceId());
        String rpc = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sum\",\"params\":{\"numbers\":[1,2,3,4,5,6,7,8]}}";
        long t0 = System.nanoTime();
        new NodeClient(node.url(), token).rpc("tandem_offer", p);
        while (!post(http, viaNode, rpc).contains("\"result\"")) {
          Thread.sleep(5);
        }
        double firstCallMs = (System.nanoTime() - t0) / 1e6;
        URI direct = node.hosting().oci().orElseThrow().container(tally.serviceId()).orElseThrow().uri();
        double[] own = time(http, direct, REQUEST, calls);
        double[] node1 = time(http, viaNode, rpc, calls);
        double overhead = node1[0] - own[0];
        out.println();
        out.println("OCI service tally (" + calls + " sequential calls each, after " + calls / 5 + " warm-up calls)");
        out.println();
        out.println("| measure | p50 ms | mean ms | p99 ms |");
        out.println("|---|---:|---:|---:|");
        out.printf("| container's own answer (POST to its port) | %.3f | %.3f | %.3f |%n", own[0], own[1], own[2]);
        out.printf("| call through the node (signed) | %.3f | %.3f | %.3f |%n", node1[0], node1[1], node1[2]);
        out.println();
        out.println("| target | measured | limit | ratio |");
        out.println("|---|---:|---:|---:|");
        out.printf("| call overhead (p50 through node − container's own) | %.3f ms | 5 ms | %.2f× |%n", overhead,
            overhead / 5);
        out.printf("| first call after the pull (offer → pull by digest → start → answer) | %.0f ms | 3000 ms | "
            + "%.2f× |%n", firstCallMs, firstCallMs / 3000);
        return overhead <= 5 && firstCallMs <= 3000 ? 0 : 1;
      }
    }
  }

  private static String post(HttpClient http, URI uri, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  /** p50, mean and p99 of {@code calls} sequential POSTs, in ms. */
  private static double[] time(HttpClient http, URI uri, String body, int calls) throws Exception {
    for (int i = 0; i < calls / 5; i++) {
      post(http, uri, body);
    }
    double[] ms = new double[calls];
    for (int i = 0; i < calls; i++) {
      long s = System.nanoTime();
      post(http, uri, body);
      ms[i] = (System.nanoTime() - s) / 1e6;
    }
    Arrays.sort(ms);
    return new double[] {ms[calls / 2], Arrays.stream(ms).average().orElse(0), ms[(int) (calls * 0.99)]};
  }
}
