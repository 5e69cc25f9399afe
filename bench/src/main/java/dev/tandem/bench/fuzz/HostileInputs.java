package dev.tandem.bench.fuzz;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * What a stranger may send a node, drawn from a seeded {@link Random} so that a run can be replayed: JSON-RPC requests
 * and batches with odd methods, ids, versions and params (deep nesting, huge numbers, lone surrogates), truncated
 * bodies, random bytes, invalid UTF-8, signed records with one character or one field changed, and modules that are
 * random, truncated, flipped, or valid but carried by a record the registry must refuse.
 */
final class HostileInputs {
  private static final String[] METHODS = {"echo", "ping", "tandem_status", "tandem_records", "tandem_submitRecord",
      "tandem_submitEvidence", "tandem_evidence", "tandem_offer", "tandem_reward", "", "x".repeat(300)};
  private static final String[] VALUES = {"null", "true", "1", "-0", "1e400", "123456789012345678901234567890",
      "\"\\ud800\"", "[]", "{}", "\"" + "a".repeat(1000) + "\"", "0.1e-400", "NaN", "{\"cursor\":-1}",
      "{\"limit\":1e9}", "{\"record\":{}}", "{\"evidence\":{}}", "{\"service\":\"echo\"}"};
  private static final String[] IDS = {"1", "\"x\"", "null", "{}", "1.5", "[]"};
  private static final String[] VERSIONS = {"2.0", "1.0", "", "2"};
  private static final String[] FIELDS = {"name", "version", "owner", "abi", "module", "verifier", "home",
      "description", "sig", "createdAt", "type", "limits", "extra"};
  private static final String[] FIELD_VALUES = {"\"\"", "1", "null", "\"ftp://x\"", "\"" + "z".repeat(5000) + "\"",
      "[]", "{}", "-1", "1e300", "\"builtin:none\"", "\"http://127.0.0.1:1/admin\"",
      "\"bafkreieturf3xfwhkeqy4taa2r46jqkdlajcuoe2zsqwebnr4tinyx4uoy\""};

  private final Random random;
  private final byte[] echoWasm;
  private final KeyPair owner;
  private final String baseRecord;

  HostileInputs(long seed, byte[] echoWasm, KeyPair owner) {
    this.random = new Random(seed);
    this.echoWasm = echoWasm;
    this.owner = owner;
    this.baseRecord = ServiceRecord.builder().name("base").module(Cid.rawSha256(new byte[] {7})).createdAt(3)
        .sign(owner).toJson().toString();
  }

  /** A body for {@code /rpc} or {@code /services/{id}}. */
  byte[] body() {
    return switch (random.nextInt(4)) {
      case 0 -> text();
      case 1 -> Arrays.copyOf(text(), random.nextInt(200));
      case 2 -> bytes(random.nextInt(300));
      default -> {
        byte[] c = text();
        if (c.length > 3) {
          c[c.length / 2] = (byte) 0xC3; // a lead byte followed by '(' : not UTF-8
          c[c.length / 2 + 1] = (byte) 0x28;
        }
        yield c;
      }
    };
  }

  private byte[] text() {
    String text;
    if (random.nextInt(4) == 0) {
      List<String> items = new ArrayList<>();
      for (int i = random.nextInt(6); i > 0; i--) {
        items.add(request());
      }
      text = "[" + String.join(",", items) + "]";
    } else {
      text = request();
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private String request() {
    return "{\"jsonrpc\":\"" + pick(VERSIONS) + "\",\"id\":" + pick(IDS) + ",\"method\":\"" + pick(METHODS)
        + "\",\"params\":" + value() + "}";
  }

  private String value() {
    int depth = 1 + random.nextInt(300);
    return switch (random.nextInt(4)) {
      case 0 -> pick(VALUES);
      case 1 -> "[".repeat(depth) + "]".repeat(depth);
      case 2 -> "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
      default -> {
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(41); i > 0; i--) {
          s.append((char) random.nextInt(0x3000));
        }
        yield Json.nodes().textNode(s.toString()).toString();
      }
    };
  }

  /** A signed record with one character or one field changed (it may still parse). */
  String mutatedRecord() {
    if (random.nextBoolean()) {
      int i = random.nextInt(baseRecord.length());
      return baseRecord.substring(0, i) + (char) (' ' + random.nextInt(95)) + baseRecord.substring(i + 1);
    }
    try {
      ObjectNode o = (ObjectNode) Json.parse(baseRecord);
      o.set(pick(FIELDS), Json.parse(pick(FIELD_VALUES)));
      return o.toString();
    } catch (Exception e) {
      throw new IllegalStateException("the mutations are valid JSON", e);
    }
  }

  /** A module that is not valid: truncated echo, echo with a byte flipped past its header, or random bytes. */
  byte[] badModule() {
    return switch (random.nextInt(3)) {
      case 0 -> Arrays.copyOf(echoWasm, random.nextInt(echoWasm.length));
      case 1 -> {
        byte[] c = echoWasm.clone();
        c[8 + random.nextInt(echoWasm.length - 8)] ^= (byte) (random.nextInt(256) | 1);
        yield c;
      }
      default -> bytes(random.nextInt(2001));
    };
  }

  /** Echo with a custom section of random bytes: a valid module with a new CID. */
  byte[] validModule() {
    byte[] payload = bytes(1 + random.nextInt(100));
    byte[] out = Arrays.copyOf(echoWasm, echoWasm.length + 4 + payload.length);
    int at = echoWasm.length;
    out[at + 1] = (byte) (2 + payload.length); // section id 0, then its size, then a one-byte name "z"
    out[at + 2] = 1;
    out[at + 3] = 'z';
    System.arraycopy(payload, 0, out, at + 4, payload.length);
    return out;
  }

  /** A service record for {@code module} that the node must refuse: over the owner's quota, a bad home, a forgery. */
  ServiceRecord refusedRecord(byte[] module) {
    ServiceRecord.Builder b = ServiceRecord.builder().name("refused").module(Cid.rawSha256(module)).createdAt(4);
    return switch (random.nextInt(3)) {
      case 0 -> b.sign(owner);
      case 1 -> b.home("http://127.0.0.1:1/internal/admin").sign(KeyPair.fromSeed(bytes(32)));
      default -> {
        ObjectNode forged = b.sign(KeyPair.fromSeed(bytes(32))).toJson();
        forged.put("description", "changed after signing");
        yield (ServiceRecord) SignedRecord.fromJson(forged);
      }
    };
  }

  /** A record of {@link #owner} for {@code module} (refused when the owner's quota is full, or the module is bad). */
  ServiceRecord recordOf(byte[] module) {
    return ServiceRecord.builder().name("fuzz").module(Cid.rawSha256(module)).createdAt(2).sign(owner);
  }

  /** {@code params} of {@code tandem_submitRecord} carrying {@code module}. */
  static String submission(ServiceRecord record, byte[] module) {
    ObjectNode p = Json.object();
    p.set("record", record.toJson());
    p.put("module", Base64.getEncoder().encodeToString(module));
    return p.toString();
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private String pick(String[] options) {
    return options[random.nextInt(options.length)];
  }
}
