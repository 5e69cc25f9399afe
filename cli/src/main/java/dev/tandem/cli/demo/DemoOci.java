package dev.tandem.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.client.CallReport;
import dev.tandem.client.NodeClient;
import dev.tandem.client.TandemClient;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.OciSpec;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.oci.LocalRegistry;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The demo's OCI part ({@code --oci}): builds the example image {@code services/oci}, starts a local registry and
 * pushes it, registers the service by digest, has every node pull and run it (the liars lie about it too), makes
 * verified calls and reports them and the liars they convicted.
 */
public final class DemoOci {
  private DemoOci() {}

  /** Runs the OCI part on {@code net}; true when every call was verified right and every liar asked was convicted. */
  public static boolean run(DemoNetwork net, Path dir, Path checkout, int minRequests, long seed, int calls,
      PrintStream out, Consumer<String> log) throws Exception {
    out.println();
    if (!LocalRegistry.available()) {
      out.println("  OCI: " + LocalRegistry.UNAVAILABLE);
      return false;
    }
    log.accept("OCI: building services/oci and pushing it to a local registry");
    try (LocalRegistry registry = LocalRegistry.start(dir.resolve("oci-registry"))) {
      String image = registry.pushExamples(checkout).get("tally");
      DemoNetwork.Member home = net.members().stream().filter(m -> !m.role().liar()).findFirst().orElseThrow();
      ServiceRecord tally = ServiceRecord.builder().name("tally").oci(OciSpec.of(image, 8080)).home(home.url())
          .description("the example OCI service").sign(KeyPair.generate());
      new NodeClient(home.url()).submit(tally, null);
      for (DemoNetwork.Member m : net.members()) {
        String token = Files.readString(m.node().config().dataDir().resolve("admin.token")).trim();
        ObjectNode p = Json.object();
        p.put("service", tally.serviceId());
        new NodeClient(m.url(), token).rpc("tandem_offer", p);
      }
      log.accept("OCI: every node pulls " + image + " by digest and starts its container");
      DemoNetwork.await("every node to run tally", Duration.ofSeconds(90), () -> net.members().stream()
          .allMatch(m -> m.node().hosting().ready(tally.serviceId()).isPresent()));
      Set<PublicKey> liars = new LinkedHashSet<>();
      net.members().stream().filter(m -> m.role().liar()).forEach(m -> liars.add(m.key()));
      Set<PublicKey> asked = new LinkedHashSet<>();
      Set<PublicKey> convicted = new LinkedHashSet<>();
      int verified = 0;
      // The nodes convicted the liars on the WebAssembly services already; a client reading their feed would never
      // ask one, so this client meets them afresh to show a lie about a container caught and convicted too.
      try (TandemClient client = net.client(minRequests, seed, false)) {
        for (int i = 0; i < calls; i++) {
          JsonNode params = Json.parse("{\"numbers\":[" + i + "," + (i * 3) + ",7]}");
          CallReport report = client.service(tally.serviceId()).callWithReport("sum", params);
          if (report.result().equals(java.util.Optional.of(Json.parse("{\"count\":3,\"sum\":" + (4 * i + 7) + "}")))) {
            verified++;
          }
          report.answers().forEach(a -> {
            if (liars.contains(a.server())) {
              asked.add(a.server());
            }
          });
          convicted.addAll(report.convicted());
        }
      }
      boolean caughtAll = convicted.containsAll(asked) && liars.containsAll(convicted);
      out.printf("  OCI service tally (%s): %d/%d calls verified; liars asked %d, convicted %d%s%n",
          image.substring(image.indexOf('@') + 1, image.indexOf('@') + 20) + "…", verified, calls, asked.size(),
          convicted.size(), caughtAll ? "" : " (NOT every liar asked was convicted)");
      return verified == calls && caughtAll;
    }
  }
}
