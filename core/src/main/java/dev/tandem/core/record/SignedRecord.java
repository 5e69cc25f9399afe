package dev.tandem.core.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Jcs;
import dev.tandem.core.json.JsonFormatException;
import java.nio.charset.StandardCharsets;

/**
 * A self-certifying registry record: its author's key is inside, and {@code sig} is that key's Ed25519 signature over
 * {@code "tandem-record-v1\n" + JCS(record without sig)}. Anyone may relay a record; nobody can forge one.
 */
public sealed interface SignedRecord permits ServiceRecord, ServerRecord {
  /** Largest canonical record accepted, in bytes. */
  int MAX_BYTES = 64 * 1024;
  String SIGNING_PREFIX = "tandem-record-v1\n";

  /** {@code "service"} or {@code "server"}: the {@code type} member of the JSON form. */
  String type();

  /** The key that must have signed this record. */
  PublicKey author();

  /** The signature, or null for an unsigned record. */
  byte[] sig();

  /** The JSON form without {@code sig}: what is signed. */
  ObjectNode unsignedJson();

  /** The JSON form, with {@code sig} when signed. */
  default ObjectNode toJson() {
    ObjectNode json = unsignedJson();
    if (sig() != null) {
      json.put("sig", Fields.encodeSignature(sig()));
    }
    return json;
  }

  /** The bytes the author signs. */
  default byte[] signingBytes() {
    byte[] canonical = canonical(unsignedJson());
    byte[] prefix = SIGNING_PREFIX.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[prefix.length + canonical.length];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    System.arraycopy(canonical, 0, out, prefix.length, canonical.length);
    return out;
  }

  /**
   * Checks the signature against {@link #author()}.
   *
   * @throws RecordException naming {@code sig} when it is missing or does not verify
   */
  default void verifySignature() {
    if (sig() == null) {
      throw new RecordException("sig", "is missing: the record is not signed");
    }
    if (!author().verify(signingBytes(), sig())) {
      throw new RecordException("sig", "does not verify under " + author());
    }
  }

  /** Parses and validates a record of either type (not its signature: see {@link #verifySignature()}). */
  static SignedRecord fromJson(JsonNode json) {
    if (json == null || !json.isObject()) {
      throw new RecordException("record", "must be a JSON object");
    }
    String type = json.path("type").asText("");
    return switch (type) {
      case ServiceRecord.TYPE -> ServiceRecord.fromJson(json);
      case ServerRecord.TYPE -> ServerRecord.fromJson(json);
      default -> throw new RecordException("type", "must be \"service\" or \"server\", got \"" + type + "\"");
    };
  }

  static byte[] canonical(JsonNode json) {
    try {
      return Jcs.canonicalize(json);
    } catch (JsonFormatException e) {
      throw new RecordException("record", "cannot be canonicalized: " + e.getMessage());
    }
  }

  /**
   * The record's canonical JSON, after checking that it reads back as the same record: what a registry stores must
   * load again for every reader, and a record built in code must pass the same size and field rules as one
   * received as JSON.
   */
  static byte[] canonicalRoundTrip(SignedRecord record) {
    byte[] json = canonical(record.toJson());
    SignedRecord reread;
    try {
      reread = fromJson(dev.tandem.core.json.Json.parse(json));
    } catch (dev.tandem.core.json.JsonFormatException e) {
      throw new RecordException("record", "is not valid JSON: " + e.getMessage());
    }
    if (!reread.equals(record)) {
      throw new RecordException("record", "changes when written as JSON and read back");
    }
    return json;
  }

  /** Rejects a record whose canonical form is larger than {@link #MAX_BYTES}. */
  static void checkSize(JsonNode json) {
    int size = canonical(json).length;
    if (size > MAX_BYTES) {
      throw new RecordException("record", "is " + size + " bytes, the limit is " + MAX_BYTES);
    }
  }
}
