package dev.tandem.core.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceLimits;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import dev.tandem.core.wire.ServiceCall;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The protocol's test vectors, computed by the Java implementation from fixed keys: canonical JSON, keys, CIDs,
 * signed records, request and response hashes, attestations (v1 and v2, valid and tampered), evidence ids and
 * reporter signatures. Every other implementation (the TypeScript client in {@code clients/js}) checks itself
 * against the committed file; {@link ProtocolVectorsTest} checks that the file is what this code computes.
 */
final class ProtocolVectors {
  /** Where the vectors are committed, relative to the core module. */
  static final String FILE = "src/test/resources/protocol/vectors.json";

  private ProtocolVectors() {}

  static KeyPair key(int n) {
    byte[] seed = new byte[32];
    for (int i = 0; i < 32; i++) {
      seed[i] = (byte) (n * 31 + i);
    }
    return KeyPair.fromSeed(seed);
  }

  static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  static String b64url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The whole vectors document, as it is written to {@link #FILE} (pretty-printed, one trailing newline). */
  static String generate() throws Exception {
    ObjectNode root = Json.object();
    root.put("description", "Tandem protocol test vectors (docs/protocol.md), computed by the Java implementation;"
        + " regenerate with ./mvnw -pl core test -Dtest=ProtocolVectorsTest -Dtandem.vectors.write=true");
    root.set("canonical", canonical());
    root.set("keys", keys());
    root.set("cids", cids());
    KeyPair owner = key(1);
    KeyPair honest = key(2);
    KeyPair liar = key(3);
    ServiceRecord service = ServiceRecord.builder().name("echo").version("1.0.0").owner(owner.publicKey())
        .module(Cid.rawSha256("(module)".getBytes(StandardCharsets.UTF_8))).verifier(ServiceRecord.BUILTIN_EQUAL)
        .limits(ServiceLimits.defaults()).home("http://127.0.0.1:7401").homeKey(honest.publicKey())
        .description("an echo for the vectors").createdAt(1_700_000_000_000L).sign(owner);
    root.set("records", records(service, honest));
    String serviceId = service.serviceId();
    root.set("requests", requests());
    root.set("responses", responses());
    root.set("attestations", attestations(serviceId, honest));
    root.set("evidence", evidence(serviceId, honest, liar));
    return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
  }

  private static ArrayNode canonical() throws Exception {
    ArrayNode out = Json.mapper().createArrayNode();
    List<String> inputs = List.of(
        "{\"b\":2,\"a\":1,\"c\":{\"z\":[3,2,1],\"y\":null}}",
        "[1e21,1e-7,0.1,-0,1.5e300,100,123456789012,9007199254740993,4.5,2e-3,1E+2]",
        "{\"\\u20ac\":\"euro\",\"\\ud83d\\ude00\":\"emoji\",\"\\ufb33\":\"dalet\",\"a\":\"\\u00e9\\u0007\\n\\\"\\\\/\"}",
        "{\"numbers\":[333333333.33333329,1E30,4.50,2e-3,0.000001,1e-6,-1.0e-7,5e-324]}",
        "{\"method\":\"echo\",\"params\":{\"hello\":\"tandem\",\"n\":[true,false,null]}}",
        "\"\\u2028\\u2029\\u001f\\u007f\"");
    for (String input : inputs) {
      ObjectNode v = out.addObject();
      v.put("input", input);
      v.put("canonical", Jcs.toString(Json.parse(input)));
    }
    return out;
  }

  private static ArrayNode keys() {
    ArrayNode out = Json.mapper().createArrayNode();
    for (int n = 1; n <= 3; n++) {
      KeyPair k = key(n);
      ObjectNode v = out.addObject();
      v.put("publicKeyHex", hex(k.publicKey().bytes()));
      v.put("publicKey", k.publicKey().toString());
      byte[] message = ("message " + n).getBytes(StandardCharsets.UTF_8);
      v.put("message", "message " + n);
      v.put("sig", b64url(k.sign(message)));
    }
    return out;
  }

  private static ArrayNode cids() {
    ArrayNode out = Json.mapper().createArrayNode();
    for (String text : List.of("", "hello", "(module)")) {
      byte[] data = text.getBytes(StandardCharsets.UTF_8);
      ObjectNode v = out.addObject();
      v.put("dataHex", hex(data));
      v.put("cid", Cid.rawSha256(data).toString());
    }
    return out;
  }

  private static ObjectNode records(ServiceRecord service, KeyPair server) {
    ObjectNode out = Json.object();
    ObjectNode s = out.putObject("service");
    s.set("record", service.toJson());
    s.put("signingBytes", new String(service.signingBytes(), StandardCharsets.UTF_8));
    s.put("serviceId", service.serviceId());
    s.put("maxAnswerBytes", service.limits().maxAnswerBytes()); // the longest answer a client reads for it
    ServerRecord sr = new ServerRecord(server.publicKey(), URI.create("http://127.0.0.1:7402"),
        List.of(service.serviceId()), List.of(), ServerRecord.Capacity.defaults(), 3, false, null)
        .signedBy(server);
    ObjectNode r = out.putObject("server");
    r.set("record", sr.toJson());
    r.put("signingBytes", new String(sr.signingBytes(), StandardCharsets.UTF_8));
    // The same record with a changed field: its signature must no longer verify.
    ObjectNode tampered = service.toJson();
    tampered.put("description", "changed after signing");
    out.set("tamperedService", tampered);
    return out;
  }

  private static ArrayNode requests() throws Exception {
    ArrayNode out = Json.mapper().createArrayNode();
    Map<String, String> calls = new LinkedHashMap<>();
    calls.put("echo", "{\"hello\":\"tandem\",\"n\":1}");
    calls.put("digest", "{\"data\":\"h\\u00e9llo\",\"z\":1e2,\"a\":[0.5]}");
    calls.put("ping", null);
    for (Map.Entry<String, String> c : calls.entrySet()) {
      ServiceCall call = ServiceCall.of(c.getKey(), c.getValue() == null ? null : Json.parse(c.getValue()));
      ObjectNode v = out.addObject();
      v.put("method", c.getKey());
      v.set("params", call.params());
      v.put("canonical", new String(call.canonical(), StandardCharsets.UTF_8));
      v.put("requestHash", call.requestHash());
    }
    return out;
  }

  private static ArrayNode responses() throws Exception {
    ArrayNode out = Json.mapper().createArrayNode();
    for (String response : List.of("{\"result\":{\"hello\":\"tandem\",\"n\":1}}", "{\"result\":null}",
        "{\"error\":{\"code\":-32601,\"message\":\"no such method\"}}", "{\"result\":[1.0,2e0,\"\\u00e9\"]}")) {
      JsonNode node = Json.parse(response);
      ObjectNode v = out.addObject();
      v.set("response", node);
      v.put("responseHash", ServiceCall.responseHash(node));
    }
    return out;
  }

  private static ArrayNode attestations(String serviceId, KeyPair server) throws Exception {
    ArrayNode out = Json.mapper().createArrayNode();
    ServiceCall call = ServiceCall.of("echo", Json.parse("{\"hello\":\"tandem\",\"n\":1}"));
    String responseHash = ServiceCall.responseHash(Json.parse("{\"result\":{\"hello\":\"tandem\",\"n\":1}}"));
    Attestation v2 = Attestation.sign(server, serviceId, call.requestHash(), responseHash, 6316);
    add(out, "v2", v2.toJson(), true, 6316);
    ObjectNode fuelChanged = v2.toJson();
    fuelChanged.put("fuel", 1);
    add(out, "v2 with its fuel changed", fuelChanged, false, 0);
    String v1Message = "tandem-attestation-v1\n" + serviceId + call.requestHash() + responseHash;
    Attestation v1 = new Attestation(1, server.publicKey(), serviceId, call.requestHash(), responseHash, 99,
        server.sign(v1Message.getBytes(StandardCharsets.UTF_8)));
    add(out, "v1 (fuel unsigned)", v1.toJson(), true, 0);
    ObjectNode v1FuelChanged = v1.toJson();
    v1FuelChanged.put("fuel", 5);
    add(out, "v1 with its unsigned fuel changed", v1FuelChanged, true, 0);
    ObjectNode hashChanged = v2.toJson();
    hashChanged.put("responseHash", call.requestHash());
    add(out, "v2 with another response hash", hashChanged, false, 0);
    return out;
  }

  private static void add(ArrayNode out, String name, ObjectNode attestation, boolean valid, long signedFuel) {
    ObjectNode v = out.addObject();
    v.put("name", name);
    v.set("attestation", attestation);
    v.put("valid", valid);
    v.put("signedFuel", signedFuel);
  }

  private static ArrayNode evidence(String serviceId, KeyPair honest, KeyPair liar) throws Exception {
    ArrayNode out = Json.mapper().createArrayNode();
    ServiceCall call = ServiceCall.of("echo", Json.parse("{\"hello\":\"tandem\",\"n\":1}"));
    JsonNode right = Json.parse("{\"result\":{\"hello\":\"tandem\",\"n\":1}}");
    JsonNode wrong = Json.parse("{\"result\":{\"hello\":\"lie\",\"n\":1}}");
    Map<Attestation, JsonNode> signed = new LinkedHashMap<>();
    signed.put(Attestation.sign(honest, serviceId, call.requestHash(), ServiceCall.responseHash(right), 40), right);
    signed.put(Attestation.sign(liar, serviceId, call.requestHash(), ServiceCall.responseHash(wrong), 41), wrong);
    Evidence conflict = Evidence.of(serviceId, call, signed).check();
    ObjectNode v = out.addObject();
    v.put("name", "conflict");
    v.set("evidence", conflict.toJson());
    v.put("id", conflict.id());
    v.put("reporter", honest.publicKey().toString());
    v.put("reporterSig", b64url(honest.sign(Evidence.reportMessage(conflict.id()))));
    // The same signed answers in another order and with one fuel changed: one piece of evidence, one id.
    Map<Attestation, JsonNode> reordered = new LinkedHashMap<>();
    reordered.put(Attestation.sign(liar, serviceId, call.requestHash(), ServiceCall.responseHash(wrong), 7), wrong);
    reordered.put(Attestation.sign(honest, serviceId, call.requestHash(), ServiceCall.responseHash(right), 40),
        right);
    Evidence variant = Evidence.of(serviceId, call, reordered).check();
    ObjectNode w = out.addObject();
    w.put("name", "conflict, reordered, other fuel");
    w.set("evidence", variant.toJson());
    w.put("id", variant.id());
    return out;
  }
}
