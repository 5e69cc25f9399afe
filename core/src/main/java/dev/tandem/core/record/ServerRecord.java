package dev.tandem.core.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A server (node): its key, where to reach it, the services it offers and the services it rewards (wants to see run).
 * A newer record for the same key replaces an older one only with a higher {@code seq}; {@code retired} withdraws the
 * server. Like an Ethereum node record (EIP-778), it is signed by the key it names.
 */
public record ServerRecord(
    PublicKey key,
    URI url,
    List<String> offers,
    List<String> rewards,
    Capacity capacity,
    long seq,
    boolean retired,
    byte[] sig)
    implements SignedRecord {

  public static final String TYPE = "server";
  public static final int MAX_LIST = 1000;
  private static final Set<String> FIELDS =
      Set.of("type", "key", "url", "offers", "rewards", "capacity", "seq", "retired", "sig");

  /** What the operator lets the node run: at most {@code maxServices} services within {@code maxMemoryMb}. */
  public record Capacity(int maxServices, int maxMemoryMb) {
    public Capacity {
      Fields.range("capacity.maxServices", maxServices, 0, 100_000);
      Fields.range("capacity.maxMemoryMb", maxMemoryMb, 0, 16_777_216);
    }

    public static Capacity defaults() {
      return new Capacity(16, 1024);
    }
  }

  public ServerRecord {
    if (key == null) {
      throw new RecordException("key", "is required");
    }
    if (url == null) {
      throw new RecordException("url", "is required");
    }
    Fields.url("url", url.toString());
    offers = checkIds("offers", offers);
    rewards = checkIds("rewards", rewards);
    if (capacity == null) {
      throw new RecordException("capacity", "is required");
    }
    Fields.range("seq", seq, 0, Fields.MAX_SAFE_INTEGER);
    if (sig != null && sig.length != 64) {
      throw new RecordException("sig", "must be a 64-byte Ed25519 signature");
    }
    sig = sig == null ? null : sig.clone();
  }

  private static List<String> checkIds(String field, List<String> ids) {
    if (ids == null) {
      return List.of();
    }
    if (ids.size() > MAX_LIST) {
      throw new RecordException(field, "has " + ids.size() + " entries, the limit is " + MAX_LIST);
    }
    Set<String> seen = new HashSet<>();
    List<String> out = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      String id = Fields.cid(field + "[" + i + "]", ids.get(i)).toString();
      if (!seen.add(id)) {
        throw new RecordException(field + "[" + i + "]", "duplicates " + id);
      }
      out.add(id);
    }
    return List.copyOf(out);
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public PublicKey author() {
    return key;
  }

  @Override
  public byte[] sig() {
    return sig == null ? null : sig.clone();
  }

  /** This record signed by {@code signer}, which must hold {@link #key()}. */
  public ServerRecord signedBy(KeyPair signer) {
    if (!signer.publicKey().equals(key)) {
      throw new RecordException("key", "is " + key + " but the signing key is " + signer.publicKey());
    }
    ServerRecord unsigned = new ServerRecord(key, url, offers, rewards, capacity, seq, retired, null);
    return new ServerRecord(key, url, offers, rewards, capacity, seq, retired, signer.sign(unsigned.signingBytes()));
  }

  /** A copy with other offers and rewards and the next {@code seq}, unsigned. */
  public ServerRecord next(List<String> newOffers, List<String> newRewards) {
    return new ServerRecord(key, url, newOffers, newRewards, capacity, seq + 1, retired, null);
  }

  @Override
  public ObjectNode unsignedJson() {
    ObjectNode json = Json.object();
    json.put("type", TYPE);
    json.put("key", key.toString());
    json.put("url", url.toString());
    ArrayNode o = json.putArray("offers");
    offers.forEach(o::add);
    ArrayNode r = json.putArray("rewards");
    rewards.forEach(r::add);
    ObjectNode c = json.putObject("capacity");
    c.put("maxServices", capacity.maxServices());
    c.put("maxMemoryMb", capacity.maxMemoryMb());
    json.put("seq", seq);
    if (retired) {
      json.put("retired", true);
    }
    return json;
  }

  /** Parses and validates a server record (the signature is checked by {@link #verifySignature()}). */
  public static ServerRecord fromJson(JsonNode json) {
    Fields.onlyKnown(json, FIELDS);
    if (!TYPE.equals(json.path("type").asText())) {
      throw new RecordException("type", "must be \"" + TYPE + "\"");
    }
    SignedRecord.checkSize(json);
    JsonNode cap = Fields.required(json, "capacity");
    if (!cap.isObject()) {
      throw new RecordException("capacity", "must be an object");
    }
    Capacity capacity;
    try {
      capacity = new Capacity((int) Fields.integer(cap, "maxServices", 0, 100_000),
          (int) Fields.integer(cap, "maxMemoryMb", 0, 16_777_216));
    } catch (RecordException e) {
      throw e.field().startsWith("capacity.") ? e : e.within("capacity");
    }
    JsonNode retired = json.get("retired");
    if (retired != null && !retired.isBoolean()) {
      throw new RecordException("retired", "must be true or false");
    }
    return new ServerRecord(
        Fields.key("key", Fields.string(json, "key", 200, true)),
        Fields.url("url", Fields.string(json, "url", 2048, true)),
        Fields.serviceIds(json, "offers", MAX_LIST),
        Fields.serviceIds(json, "rewards", MAX_LIST),
        capacity,
        Fields.integer(json, "seq", 0, Fields.MAX_SAFE_INTEGER),
        retired != null && retired.booleanValue(),
        Fields.signature(json));
  }

  /**
   * Equal when every signed field (as {@link #unsignedJson} writes it: the URL as text) and the signature are. Field
   * by field rather than by building the JSON: gossip compares every copy of a record that arrives with the stored
   * one.
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof ServerRecord r && seq == r.seq && retired == r.retired && key.equals(r.key)
        && url.toString().equals(r.url.toString()) && offers.equals(r.offers) && rewards.equals(r.rewards)
        && capacity.equals(r.capacity) && Arrays.equals(sig, r.sig);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, url.toString(), offers, rewards, capacity, seq, retired) * 31 + Arrays.hashCode(sig);
  }

  @Override
  public String toString() {
    return "ServerRecord[" + key + " " + url + " seq=" + seq + (retired ? " retired" : "") + "]";
  }
}
