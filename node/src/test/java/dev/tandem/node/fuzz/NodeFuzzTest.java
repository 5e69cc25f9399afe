package dev.tandem.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.Node;
import dev.tandem.node.NodeConfig;
import dev.tandem.node.guard.Limit;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile and malformed input against a real node: random bytes, truncated and mutated requests, deep nesting, huge
 * numbers, invalid UTF-8, forged records and random modules. Every reply must be a JSON-RPC answer (never an
 * exception, a hang or a stack trace), a refused record leaves neither itself nor the modules it carried on the node,
 * and the node must keep serving correct calls. {@code tandem bench fuzz} runs a million such cases.
 */
class NodeFuzzTest {
  private static final Set<Integer> KNOWN_CODES = Set.of(RpcErrors.PARSE_ERROR, RpcErrors.INVALID_REQUEST,
      RpcErrors.METHOD_NOT_FOUND, RpcErrors.INVALID_PARAMS, RpcErrors.UNKNOWN_SERVICE, RpcErrors.REJECTED,
      RpcErrors.UNAUTHORIZED, RpcErrors.OVERLOADED, RpcErrors.TOO_LARGE);
  static Path dir;
  static Node node;
  static String serviceId;
  static byte[] echoWasm;
  static final KeyPair OWNER = KeyPair.fromSeed(new byte[32]);

  @BeforeContainer
  static void start() throws Exception {
    dir = Files.createTempDirectory("tandem-fuzz");
    // OWNER may own one service (echo): every further record of theirs is refused by a registry quota.
    node = Node.start(NodeConfig.builder(dir).listen("127.0.0.1:0").limit(Limit.MAX_SERVICES_PER_KEY, 1).build());
    Path root = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(root.resolve("services"))) {
      root = root.getParent();
    }
    echoWasm = Files.readAllBytes(root.resolve("services/echo/echo.wasm"));
    ServiceRecord echo = ServiceRecord.builder().name("echo").module(Cid.rawSha256(echoWasm)).createdAt(1)
        .sign(OWNER);
    serviceId = echo.serviceId();
    ObjectNode p = Json.object();
    p.set("record", echo.toJson());
    p.put("module", Base64.getEncoder().encodeToString(echoWasm));
    answer(node.rpc().handle(request("tandem_submitRecord", p).getBytes(StandardCharsets.UTF_8), null).body());
    String token = Files.readString(dir.resolve("admin.token")).trim();
    ObjectNode offer = Json.object().put("service", serviceId);
    node.rpc().handle(request("tandem_offer", offer).getBytes(StandardCharsets.UTF_8), "Bearer " + token);
    long deadline = System.currentTimeMillis() + 30_000;
    while (node.hosting().ready(serviceId).isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
  }

  @AfterContainer
  static void stop() {
    node.close();
  }

  static String request(String method, JsonNode params) {
    return "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}";
  }

  /** Checks that a reply is empty (notifications only) or JSON-RPC answers with known error codes. */
  static JsonNode answer(byte[] reply) throws Exception {
    if (reply.length == 0) {
      return null;
    }
    JsonNode json = Json.parse(reply);
    for (JsonNode one : json.isArray() ? json : java.util.List.of(json)) {
      assertThat(one.path("jsonrpc").asText()).isEqualTo("2.0");
      if (one.has("error")) {
        int code = one.get("error").path("code").asInt();
        assertThat(code).as(one.toString()).satisfiesAnyOf(
            c -> assertThat(KNOWN_CODES).contains(c),
            c -> assertThat(c).isBetween(-32029, -32010));
        assertThat(one.get("error").path("message").asText()).doesNotContain("\tat dev.").doesNotContain("\tat java.");
      } else {
        assertThat(one.has("result")).as(one.toString()).isTrue();
      }
    }
    return json;
  }

  @Property(tries = 40_000, seed = "20261125")
  void serviceEndpointAnswersEveryBody(@ForAll("bodies") byte[] body) throws Exception {
    answer(node.serviceEndpoint().handle(serviceId, body));
  }

  @Property(tries = 40_000, seed = "20261126")
  void rpcAnswersEveryBody(@ForAll("bodies") byte[] body) throws Exception {
    answer(node.rpc().handle(body, null).body());
  }

  @Property(tries = 15_000, seed = "20261127")
  void forgedAndMutatedRecordsAreRejectedNeverStored(@ForAll("mutatedRecords") String record) throws Exception {
    int services = node.registry().services().size();
    JsonNode reply = answer(node.rpc().handle(("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tandem_submitRecord\","
        + "\"params\":{\"record\":" + record + "}}").getBytes(StandardCharsets.UTF_8), null).body());
    if (reply.has("error")) {
      assertThat(node.registry().services().size()).isEqualTo(services);
    }
  }

  @Property(tries = 5_000, seed = "20261128")
  void randomAndTruncatedModulesAreRejectedNeverStored(@ForAll("modules") byte[] module) throws Exception {
    ServiceRecord rec = ServiceRecord.builder().name("fuzz").module(Cid.rawSha256(module)).createdAt(2)
        .sign(OWNER);
    submitWithModuleAndCheckStorage(rec, module);
  }

  /**
   * Valid modules (echo with a custom section of random bytes) carried by records the registry refuses: over the
   * owner's quota, a home that is not an origin, a signature that does not verify. The modules must not be stored.
   */
  @Property(tries = 2_000, seed = "20261129")
  void validModulesOfRefusedRecordsAreNotStored(@ForAll("validModules") byte[] module,
      @ForAll("refusals") int refusal) throws Exception {
    ServiceRecord.Builder b = ServiceRecord.builder().name("refused").module(Cid.rawSha256(module)).createdAt(4);
    ServiceRecord rec = switch (refusal) {
      case 0 -> b.sign(OWNER); // OWNER already owns echo, the one service the quota allows
      case 1 -> b.home("http://127.0.0.1:1/internal/admin").sign(KeyPair.generate());
      default -> {
        ObjectNode forged = b.sign(KeyPair.generate()).toJson();
        forged.put("description", "changed after signing");
        yield (ServiceRecord) dev.tandem.core.record.SignedRecord.fromJson(forged);
      }
    };
    JsonNode reply = submitWithModuleAndCheckStorage(rec, module);
    assertThat(reply.has("error")).as("refusal %d: %s", refusal, reply).isTrue();
  }

  /** Submits a record with its module; when refused, neither the record nor the module may be on the node. */
  private static JsonNode submitWithModuleAndCheckStorage(ServiceRecord rec, byte[] module) throws Exception {
    Cid cid = Cid.rawSha256(module);
    boolean storedBefore = Files.exists(dir.resolve("modules").resolve(cid.toString()));
    long blocksBefore = count(dir.resolve("blocks"));
    ObjectNode p = Json.object();
    p.set("record", rec.toJson());
    p.put("module", Base64.getEncoder().encodeToString(module));
    JsonNode reply = answer(node.rpc().handle(request("tandem_submitRecord", p).getBytes(StandardCharsets.UTF_8),
        null).body());
    if (reply.has("error") && !storedBefore) {
      assertThat(dir.resolve("modules").resolve(cid.toString())).as("module of a refused record").doesNotExist();
      assertThat(count(dir.resolve("blocks"))).as("blocks after a refused record").isEqualTo(blocksBefore);
      assertThat(node.registry().service(rec.serviceId())).isEmpty();
    }
    return reply;
  }

  private static long count(Path tree) throws java.io.IOException {
    if (!Files.isDirectory(tree)) {
      return 0;
    }
    try (var files = Files.walk(tree)) {
      return files.count();
    }
  }

  @Property(tries = 1)
  void nodeStillServesOverHttpAfterTheFuzzing() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(node.url() + "/services/" + serviceId))
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"echo\",\"params\":[1]}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(Json.parse(res.body()).path("result").toString()).isEqualTo("[1]");
  }

  @Provide
  Arbitrary<byte[]> bodies() {
    Arbitrary<String> methods = Arbitraries.of("echo", "ping", "tandem_status", "tandem_records",
        "tandem_submitRecord", "tandem_submitEvidence", "tandem_offer", "", "x".repeat(300));
    Arbitrary<String> values = Arbitraries.oneOf(
        Arbitraries.of("null", "true", "1", "-0", "1e400", "123456789012345678901234567890", "\"\\ud800\"", "[]",
            "{}", "\"" + "a".repeat(1000) + "\"", "0.1e-400", "NaN", "{\"cursor\":-1}", "{\"limit\":1e9}",
            "{\"record\":{}}", "{\"evidence\":{}}"),
        Arbitraries.integers().between(1, 300).map(d -> "[".repeat(d) + "]".repeat(d)),
        Arbitraries.integers().between(1, 300).map(d -> "{\"a\":".repeat(d) + "1" + "}".repeat(d)),
        Arbitraries.strings().ofMaxLength(40).map(s -> Json.nodes().textNode(s).toString()));
    Arbitrary<String> requests = Combinators.combine(methods, values, Arbitraries.of("1", "\"x\"", "null", "{}",
        "1.5", "[]"), Arbitraries.of("2.0", "1.0", "", "2")).as((m, v, id, ver) ->
        "{\"jsonrpc\":\"" + ver + "\",\"id\":" + id + ",\"method\":\"" + m + "\",\"params\":" + v + "}");
    Arbitrary<String> batches = requests.list().ofMaxSize(5).map(l -> "[" + String.join(",", l) + "]");
    Arbitrary<byte[]> texts = Arbitraries.oneOf(requests, batches).map(s -> s.getBytes(StandardCharsets.UTF_8));
    Arbitrary<byte[]> truncated = Combinators.combine(texts, Arbitraries.integers().between(0, 200))
        .as((b, n) -> java.util.Arrays.copyOf(b, Math.min(b.length, n)));
    Arbitrary<byte[]> randomBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    Arbitrary<byte[]> invalidUtf8 = texts.map(b -> {
      byte[] c = b.clone();
      if (c.length > 3) {
        c[c.length / 2] = (byte) 0xC3;
        c[c.length / 2 + 1] = (byte) 0x28;
      }
      return c;
    });
    return Arbitraries.oneOf(texts, truncated, randomBytes, invalidUtf8);
  }

  @Provide
  Arbitrary<String> mutatedRecords() {
    ServiceRecord base = ServiceRecord.builder().name("base").module(Cid.rawSha256(new byte[] {7})).createdAt(3)
        .sign(OWNER);
    String text = base.toJson().toString();
    Arbitrary<String> flipped = Combinators.combine(Arbitraries.integers().between(0, text.length() - 1),
        Arbitraries.chars().range(' ', '~')).as((i, c) -> text.substring(0, i) + c + text.substring(i + 1));
    Arbitrary<String> fieldChanged = Combinators.combine(
        Arbitraries.of("name", "version", "owner", "abi", "module", "verifier", "home", "description", "sig",
            "createdAt", "type", "limits", "extra"),
        Arbitraries.of("\"\"", "1", "null", "\"ftp://x\"", "\"" + "z".repeat(5000) + "\"", "[]", "{}", "-1",
            "1e300", "\"builtin:none\"", "\"bafkreieturf3xfwhkeqy4taa2r46jqkdlajcuoe2zsqwebnr4tinyx4uoy\""))
        .as((f, v) -> {
          ObjectNode o = base.toJson();
          try {
            o.set(f, Json.parse(v));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          return o.toString();
        });
    return Arbitraries.oneOf(flipped, fieldChanged);
  }

  @Provide
  Arbitrary<byte[]> modules() {
    Arbitrary<byte[]> truncated = Arbitraries.integers().between(0, echoWasm == null ? 0 : echoWasm.length - 1)
        .map(n -> java.util.Arrays.copyOf(echoWasm, n));
    Arbitrary<byte[]> flipped = Combinators.combine(Arbitraries.integers().between(8, echoWasm.length - 1),
        Arbitraries.bytes()).as((i, b) -> {
          byte[] c = echoWasm.clone();
          c[i] ^= (byte) (b | 1);
          return c;
        });
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(2000);
    return Arbitraries.oneOf(truncated, flipped, random);
  }

  @Provide
  Arbitrary<byte[]> validModules() {
    // A custom section (id 0, a one-byte name "z", then the payload) changes the CID, never the validity.
    return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(100).map(payload -> {
      byte[] out = java.util.Arrays.copyOf(echoWasm, echoWasm.length + 4 + payload.length);
      int at = echoWasm.length;
      out[at] = 0;
      out[at + 1] = (byte) (2 + payload.length);
      out[at + 2] = 1;
      out[at + 3] = 'z';
      System.arraycopy(payload, 0, out, at + 4, payload.length);
      return out;
    });
  }

  @Provide
  Arbitrary<Integer> refusals() {
    return Arbitraries.integers().between(0, 2);
  }
}
