package dev.tandem.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.KeyFormatException;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * A node's signed statement that, for {@code service}, the request with {@code requestHash} has the response with
 * {@code responseHash}, and that running it took {@code fuel}. Two valid attestations by different servers with the
 * same request and different responses are evidence.
 *
 * <p>Version 2 (what nodes sign, {@code "v":2} on the wire) signs every field it carries: {@code sig} is Ed25519 over
 * {@code "tandem-attestation-v2\n" + service + "\n" + requestHash + "\n" + responseHash + "\n" + fuel}. Version 1
 * (no {@code v} member) signed {@code "tandem-attestation-v1\n" + service + requestHash + responseHash} and left
 * {@code fuel} unsigned: it still verifies for what it signed, but its fuel is not believed ({@link #signedFuel()}
 * is 0), since anyone relaying it could have changed it.
 */
public record Attestation(int version, PublicKey server, String service, String requestHash, String responseHash,
    long fuel, byte[] sig) {
  /** The version this code signs. */
  public static final int CURRENT = 2;
  private static final String PREFIX_V1 = "tandem-attestation-v1\n";
  private static final String PREFIX_V2 = "tandem-attestation-v2\n";

  public Attestation {
    if (version != 1 && version != 2) {
      throw new IllegalArgumentException("attestation: v must be 1 or 2, not " + version);
    }
    if (server == null || service == null) {
      throw new IllegalArgumentException("attestation: server and service are required");
    }
    if (!isHex64(requestHash) || !isHex64(responseHash)) {
      throw new IllegalArgumentException("attestation: hashes must be 64 lowercase hex digits");
    }
    if (fuel < 0) {
      throw new IllegalArgumentException("attestation: fuel must not be negative");
    }
    sig = sig == null ? null : sig.clone();
  }

  /** An attestation of the current version. */
  public Attestation(PublicKey server, String service, String requestHash, String responseHash, long fuel,
      byte[] sig) {
    this(CURRENT, server, service, requestHash, responseHash, fuel, sig);
  }

  /** Signs a new attestation of the current version with {@code key}. */
  public static Attestation sign(KeyPair key, String service, String requestHash, String responseHash, long fuel) {
    byte[] sig = key.sign(message(CURRENT, service, requestHash, responseHash, fuel));
    return new Attestation(CURRENT, key.publicKey(), service, requestHash, responseHash, fuel, sig);
  }

  /** Whether the signature verifies under {@link #server()}. */
  public boolean verifies() {
    return sig != null && server.verify(message(version, service, requestHash, responseHash, fuel), sig);
  }

  /** The fuel the server vouched for: {@link #fuel()} when signed (version 2), else 0. */
  public long signedFuel() {
    return version >= 2 ? fuel : 0;
  }

  @Override
  public byte[] sig() {
    return sig == null ? null : sig.clone();
  }

  private static byte[] message(int version, String service, String requestHash, String responseHash, long fuel) {
    String text = version == 1 ? PREFIX_V1 + service + requestHash + responseHash
        : PREFIX_V2 + service + "\n" + requestHash + "\n" + responseHash + "\n" + fuel;
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** 64 lowercase hex digits (a loop, not a regular expression: nodes build one attestation per answer). */
  private static boolean isHex64(String s) {
    if (s == null || s.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      char c = s.charAt(i);
      if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@link #toJson()} as text, the same characters as {@code toJson().toString()}, written directly: a node writes one
   * per answer, and building the tree to print it cost about as much as a third of the signature.
   */
  public String toJsonText() {
    if (!plain(service)) {
      return toJson().toString(); // characters that JSON escapes: let Jackson do it
    }
    StringBuilder b = new StringBuilder(320);
    b.append('{');
    if (version != 1) {
      b.append("\"v\":").append(version).append(',');
    }
    b.append("\"server\":\"").append(server).append("\",\"service\":\"").append(service)
        .append("\",\"requestHash\":\"").append(requestHash).append("\",\"responseHash\":\"").append(responseHash)
        .append("\",\"fuel\":").append(fuel).append(",\"sig\":\"")
        .append(Base64.getUrlEncoder().withoutPadding().encodeToString(sig)).append("\"}");
    return b.toString();
  }

  /** Printable ASCII that JSON does not escape. */
  private static boolean plain(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  public ObjectNode toJson() {
    ObjectNode json = Json.object();
    if (version != 1) {
      json.put("v", version);
    }
    json.put("server", server.toString());
    json.put("service", service);
    json.put("requestHash", requestHash);
    json.put("responseHash", responseHash);
    json.put("fuel", fuel);
    json.put("sig", Base64.getUrlEncoder().withoutPadding().encodeToString(sig));
    return json;
  }

  /** Parses the {@code tandem} member of a response; throws IllegalArgumentException saying what is wrong. */
  public static Attestation fromJson(JsonNode json) {
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("attestation: must be an object");
    }
    JsonNode v = json.get("v");
    if (v != null && !v.canConvertToInt()) {
      throw new IllegalArgumentException("attestation: v must be a small integer");
    }
    JsonNode fuel = json.path("fuel");
    if (!fuel.isMissingNode() && !fuel.canConvertToLong()) {
      throw new IllegalArgumentException("attestation: fuel must be an integer");
    }
    try {
      byte[] sig = Base64.getUrlDecoder().decode(json.path("sig").asText());
      return new Attestation(v == null ? 1 : v.intValue(), PublicKey.parse(json.path("server").asText()),
          json.path("service").asText(), json.path("requestHash").asText(), json.path("responseHash").asText(),
          fuel.asLong(), sig);
    } catch (KeyFormatException e) {
      throw new IllegalArgumentException("attestation: server: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage().startsWith("attestation") ? e.getMessage()
          : "attestation: " + e.getMessage());
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Attestation a && version == a.version && server.equals(a.server)
        && service.equals(a.service) && requestHash.equals(a.requestHash) && responseHash.equals(a.responseHash)
        && fuel == a.fuel && Arrays.equals(sig, a.sig);
  }

  @Override
  public int hashCode() {
    return (server.hashCode() * 31 + requestHash.hashCode()) * 31 + responseHash.hashCode();
  }

  @Override
  public String toString() {
    return "Attestation[v" + version + " " + server + " " + service + " " + requestHash + " → " + responseHash
        + " fuel " + fuel + "]";
  }
}
