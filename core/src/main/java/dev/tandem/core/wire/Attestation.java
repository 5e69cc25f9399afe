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
import java.util.regex.Pattern;

/**
 * A node's signed statement that, for {@code service}, the request with {@code requestHash} has the response with
 * {@code responseHash}. {@code sig} is Ed25519 over
 * {@code "tandem-attestation-v1\n" + service + requestHash + responseHash}; {@code fuel} is informative and unsigned.
 * Two valid attestations by different servers with the same request and different responses are evidence.
 */
public record Attestation(PublicKey server, String service, String requestHash, String responseHash, long fuel,
    byte[] sig) {
  private static final String PREFIX = "tandem-attestation-v1\n";
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  public Attestation {
    if (server == null || service == null) {
      throw new IllegalArgumentException("attestation: server and service are required");
    }
    if (!HEX64.matcher(requestHash).matches() || !HEX64.matcher(responseHash).matches()) {
      throw new IllegalArgumentException("attestation: hashes must be 64 lowercase hex digits");
    }
    sig = sig == null ? null : sig.clone();
  }

  /** Signs a new attestation with {@code key}. */
  public static Attestation sign(KeyPair key, String service, String requestHash, String responseHash, long fuel) {
    byte[] sig = key.sign(message(service, requestHash, responseHash));
    return new Attestation(key.publicKey(), service, requestHash, responseHash, fuel, sig);
  }

  /** Whether the signature verifies under {@link #server()}. */
  public boolean verifies() {
    return sig != null && server.verify(message(service, requestHash, responseHash), sig);
  }

  @Override
  public byte[] sig() {
    return sig == null ? null : sig.clone();
  }

  private static byte[] message(String service, String requestHash, String responseHash) {
    return (PREFIX + service + requestHash + responseHash).getBytes(StandardCharsets.UTF_8);
  }

  public ObjectNode toJson() {
    ObjectNode json = Json.object();
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
    try {
      byte[] sig = Base64.getUrlDecoder().decode(json.path("sig").asText());
      return new Attestation(PublicKey.parse(json.path("server").asText()), json.path("service").asText(),
          json.path("requestHash").asText(), json.path("responseHash").asText(), json.path("fuel").asLong(), sig);
    } catch (KeyFormatException e) {
      throw new IllegalArgumentException("attestation: server: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage().startsWith("attestation") ? e.getMessage()
          : "attestation: " + e.getMessage());
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Attestation a && server.equals(a.server) && service.equals(a.service)
        && requestHash.equals(a.requestHash) && responseHash.equals(a.responseHash) && fuel == a.fuel
        && Arrays.equals(sig, a.sig);
  }

  @Override
  public int hashCode() {
    return (server.hashCode() * 31 + requestHash.hashCode()) * 31 + responseHash.hashCode();
  }
}
