package dev.tandem.client.referee;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.cid.Cid;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Modules kept in memory are bounded by bytes, the least recently used dropped first: any key can register services
 * whose modules a client's evidence feed or audits then fetch, so keeping every one would grow without end.
 */
class ModuleCacheTest {
  @Test
  void theLeastRecentlyUsedModulesAreDroppedPastTheBudgetAndFetchedAgainWhenNeeded() throws Exception {
    List<Cid> fetched = new ArrayList<>();
    List<byte[]> modules = new ArrayList<>();
    List<Cid> cids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      byte[] m = new byte[1000];
      m[0] = (byte) i;
      modules.add(m);
      cids.add(Cid.rawSha256(m));
    }
    ModuleCache cache = new ModuleCache(null, (cid, nodes) -> {
      fetched.add(cid);
      return modules.get(cids.indexOf(cid));
    }, 2_500); // room for two
    List<URI> nodes = List.of(URI.create("http://node.test"));
    cache.get(cids.get(0), nodes);
    cache.get(cids.get(1), nodes);
    cache.get(cids.get(0), nodes); // used again: 1 is now the least recently used
    cache.get(cids.get(2), nodes); // 1 is dropped
    cache.get(cids.get(0), nodes);
    assertThat(fetched).containsExactly(cids.get(0), cids.get(1), cids.get(2));
    cache.get(cids.get(1), nodes);
    assertThat(fetched).containsExactly(cids.get(0), cids.get(1), cids.get(2), cids.get(1));
  }
}
