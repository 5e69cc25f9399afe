package dev.tandem.client.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.client.CallReport;
import dev.tandem.client.NoServersException;
import dev.tandem.client.TandemClient;
import dev.tandem.client.UnverifiableException;
import dev.tandem.client.it.TestPool.Member;
import dev.tandem.client.it.TestPool.Role;
import dev.tandem.client.it.TestPool.Variant;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Random mixes of honest, lying, slow, crashing and garbage-answering servers, drawn from the shared pool of real
 * nodes and fake servers: each try restricts a fresh client (seeded from the try) to a random subset and calls one
 * of the service's versions (equal with a home server, equal with a dead home server, majority, Wasm equal).
 *
 * <p>What must hold, where H, L and S count the honest, lying and slow members of the subset and {@code min} is the
 * verifier's minRequests:
 *
 * <ul>
 *   <li><b>never wrong</b>: the liars here lie independently (each signs a wrong answer of its own), so whatever
 *       the sample, the client returns the honest result or throws; an honest server is never convicted.
 *   <li><b>honest result</b> whenever the verifier and home server can settle any sample: equal with a live home
 *       server: L ≤ 1 and H + L ≥ 2; equal with a dead home: L = 0 and H ≥ 2; majority: L ≤ 1, H ≥ 2, H + L ≥ 3.
 *   <li><b>throws</b> ({@link NoServersException} or {@link UnverifiableException}, nothing else) when no member
 *       can give a valid answer (H + L + S = 0): with fewer than {@code min}, the client's re-run stands in.
 * </ul>
 */
class MixedServersProperties {
  static TestPool pool;
  static List<String> names;

  @BeforeContainer
  static void start() throws Exception {
    pool = TestPool.shared();
    // Independent liars only: two colluding liars that are the only servers sampled pass builtin:equal, the residual
    // risk of minRequests = 2 that in3 quantifies; TwoLiarsTest covers colluders and the home server's part.
    names = pool.members.values().stream().map(Member::name).filter(n -> !n.equals("liar1") && !n.equals("liar2"))
        .sorted().toList();
  }

  @Provide
  Arbitrary<Set<String>> subsets() {
    return Arbitraries.of(names).set().ofMaxSize(names.size());
  }

  @Property(tries = 50, seed = "20261125")
  void theClientNeverReturnsAWrongResult(@ForAll("subsets") Set<String> subset, @ForAll Variant variant,
      @ForAll long clientSeed) throws Exception {
    List<Member> members = subset.stream().map(pool::member).toList();
    Set<PublicKey> keys = members.stream().map(Member::key).collect(Collectors.toSet());
    long h = count(members, Role.HONEST);
    long l = count(members, Role.LIAR);
    long s = count(members, Role.SLOW);
    int min = variant == Variant.MAJORITY ? 3 : 2;
    boolean mustSucceed = switch (variant) {
      case EQUAL_HOME, WASM_EQUAL -> l <= 1 && h + l >= 2;
      case EQUAL_DEAD_HOME -> l == 0 && h >= 2;
      case MAJORITY -> l <= 1 && h >= 2 && h + l >= 3;
    };
    // The client's own re-run stands in for missing confirmations, so only a call that nobody answers must fail.
    boolean mustFail = h + l + s == 0;
    // The seed travels as a string: JSON numbers are doubles, and a long above 2^53 would come back rounded.
    JsonNode params = Json.parse("{\"seed\":\"" + clientSeed + "\",\"variant\":\"" + variant + "\"}");

    String outcome;
    try (TandemClient client = TandemClient.builder().bootstrap(pool.home.url())
        .serverFilter(r -> keys.contains(r.key())).seed(clientSeed).maxRequests(names.size())
        .requestTimeout(Duration.ofSeconds(2)).hedgeAfter(Duration.ofMillis(500)).callTimeout(Duration.ofSeconds(20))
        .build()) {
      try {
        CallReport report = client.service(pool.serviceId(variant)).callWithReport("echo", params);
        JsonNode result = report.result().orElseThrow();
        List<Role> convicted = report.convicted().stream().map(k -> pool.members.get(k).role()).toList();
        if (result.equals(params)) {
          outcome = "honest result";
          assertThat(mustFail).as("a result although fewer than min members can answer").isFalse();
          assertThat(convicted).as("only liars are convicted").allMatch(r -> r == Role.LIAR);
        } else {
          outcome = "wrong result";
          throw new AssertionError("a wrong result was returned: " + result + " for " + params + "; votes "
              + report.votes().stream().map(v -> pool.members.get(v.server()).name()).toList());
        }
      } catch (NoServersException | UnverifiableException e) {
        outcome = e.getClass().getSimpleName();
        assertThat(mustSucceed).as("must give the honest result, but: " + e.getMessage()).isFalse();
        e.report().ifPresent(r -> assertThat(r.convicted().stream().map(k -> pool.members.get(k).role()))
            .as("only liars are convicted").allMatch(role -> role == Role.LIAR));
      }
    }
    Statistics.label("outcome").collect(outcome);
    Statistics.label("variant").collect(variant);
  }

  private static long count(List<Member> members, Role role) {
    return members.stream().filter(m -> m.role() == role).count();
  }
}
