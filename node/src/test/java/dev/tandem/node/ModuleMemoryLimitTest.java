package dev.tandem.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.client.NodeClient;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.node.guard.Limit;
import dev.tandem.node.hosting.Hosting;
import dev.tandem.node.ipfs.BlockStore;
import dev.tandem.node.modules.ModuleStore;
import dev.tandem.sandbox.GeneratedModules;
import dev.tandem.sandbox.ModuleShape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node offers a service only while the modules it offers fit the heap it gives them (--module-memory-mb): a node's
 * reciprocity planner offers services other servers reward, whose owners chose their modules.
 */
class ModuleMemoryLimitTest {
  @TempDir Path dir;

  @Test
  void aModuleThatWouldNotFitTheModulesHeapIsNotOffered() throws Exception {
    try (TestNetwork net = new TestNetwork(dir)) {
      Node node = Node.start(NodeConfig.builder(dir.resolve("node")).listen("127.0.0.1:0")
          .limit(Limit.MODULE_MEMORY_MB, 8).build());
      net.nodes.add(node);
      // 97 KB of code and metering: may take 11.9 MB of heap to load and keep, over the 8 MB this node gives modules.
      byte[] heavy = GeneratedModules.module(1000, 10, -1);
      ServiceRecord big = ServiceRecord.builder().name("big").module(Cid.rawSha256(heavy))
          .verifier(ServiceRecord.BUILTIN_EQUAL).home(node.url()).sign(KeyPair.generate());
      new NodeClient(node.url()).submit(big, heavy, null);
      byte[] echo = Files.readAllBytes(TestNetwork.repoRoot().resolve("services/echo/echo.wasm"));
      ServiceRecord small = ServiceRecord.builder().name("echo").module(Cid.rawSha256(echo))
          .verifier(ServiceRecord.BUILTIN_EQUAL).home(node.url()).sign(KeyPair.generate());
      new NodeClient(node.url()).submit(small, echo, null);
      NodeClient admin = new NodeClient(node.url(), TestNetwork.adminToken(node));
      for (ServiceRecord r : new ServiceRecord[] {big, small}) {
        admin.rpc("tandem_offer", Json.object().put("service", r.serviceId()));
      }
      TestNetwork.await("both services prepared", Duration.ofSeconds(30), () -> {
        var states = node.hosting().states();
        return states.get(small.serviceId()) instanceof Hosting.State.Ready
            && states.get(big.serviceId()) instanceof Hosting.State.Failed;
      });
      assertThat(((Hosting.State.Failed) node.hosting().states().get(big.serviceId())).why())
          .startsWith("module too large for this node: it may take 11 MB of heap")
          .endsWith("of the 8 MB modules get (--module-memory-mb)");

      // Larger than the whole budget: remembered once no longer wanted, so the planner does not choose it again a
      // round later, and wanting it again fails at once, with nothing fetched or loaded.
      assertThat(node.hosting().unfit()).containsKey(big.serviceId());
      node.hosting().want(Set.of(small.serviceId()));
      assertThat(node.hosting().states()).doesNotContainKey(big.serviceId());
      assertThat(node.hosting().unfit().get(big.serviceId())).startsWith("module too large for this node");
      node.hosting().want(Set.of(small.serviceId(), big.serviceId()));
      assertThat(node.hosting().states().get(big.serviceId())).isInstanceOf(Hosting.State.Failed.class);
      assertThat(node.hosting().preparation(big.serviceId())).isEmpty();
    }
  }

  @Test
  void thePlannerWeighsAModuleByTheHeapItsLoadMayTakeNotByItsSize() throws Exception {
    byte[] functions = GeneratedModules.module(1000, 0, -1); // many small functions
    byte[] code = GeneratedModules.module(10, 400, -1); // a larger module of few, long functions
    assertThat(functions.length).isLessThan(code.length);
    ModuleStore modules = new ModuleStore(dir.resolve("modules"), new BlockStore(dir.resolve("blocks")));
    modules.put(Cid.rawSha256(functions), functions);
    modules.put(Cid.rawSha256(code), code);
    PlannerHost host = new PlannerHost(null, modules, null);
    long lightInBytes = host.moduleWeight(Cid.rawSha256(functions)).orElseThrow();
    assertThat(lightInBytes).isEqualTo(ModuleShape.of(functions).loadHeapBytes())
        .isGreaterThan(host.moduleWeight(Cid.rawSha256(code)).orElseThrow());
    assertThat(host.moduleWeight(Cid.rawSha256(new byte[] {1}))).as("not fetched").isEmpty();
  }
}
