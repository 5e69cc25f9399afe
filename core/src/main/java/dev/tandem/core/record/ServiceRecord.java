package dev.tandem.core.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import java.net.URI;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A service, registered once by its owner: which module runs it, under which ABI, judged by which verifier, within
 * which limits, and which home server settles conflicts. Its {@linkplain #serviceId() id} is the CID of the canonical
 * unsigned record, so a new module version is a new service and two nodes running different code never share an id.
 *
 * <p>Construct with {@link #builder()}; instances are validated on construction.
 */
public record ServiceRecord(
    String name,
    String version,
    PublicKey owner,
    String abi,
    Cid module,
    String verifier,
    ServiceLimits limits,
    URI home,
    String description,
    long createdAt,
    byte[] sig)
    implements SignedRecord {

  public static final String TYPE = "service";
  public static final Set<String> ABIS = Set.of("tandem-v1", "wasi-command");
  public static final String BUILTIN_EQUAL = "builtin:equal";
  public static final String BUILTIN_MAJORITY = "builtin:majority";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Set<String> FIELDS = Set.of("type", "name", "version", "owner", "abi", "module", "verifier",
      "limits", "home", "description", "createdAt", "sig");

  public ServiceRecord {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new RecordException("name", "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter "
          + "or digit; got \"" + abbreviate(name) + "\"");
    }
    Fields.token("version", requireField("version", version), 32);
    requireField("owner", owner);
    if (!ABIS.contains(requireField("abi", abi))) {
      throw new RecordException("abi", "must be one of " + ABIS + ", got \"" + abbreviate(abi) + "\"");
    }
    requireField("module", module);
    requireField("verifier", verifier);
    if (!verifier.equals(BUILTIN_EQUAL) && !verifier.equals(BUILTIN_MAJORITY)) {
      Fields.cid("verifier", verifier);
    }
    requireField("limits", limits);
    if (home != null) {
      Fields.url("home", home.toString());
    }
    Fields.checkLength("description", description == null ? "" : description, 2048);
    description = description == null ? "" : description;
    Fields.range("createdAt", createdAt, 0, Fields.MAX_SAFE_INTEGER);
    if (sig != null && sig.length != 64) {
      throw new RecordException("sig", "must be a 64-byte Ed25519 signature");
    }
    sig = sig == null ? null : sig.clone();
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public PublicKey author() {
    return owner;
  }

  @Override
  public byte[] sig() {
    return sig == null ? null : sig.clone();
  }

  /** The service id: CIDv1 (raw, sha2-256) of the canonical record without its signature. */
  public String serviceId() {
    return Cid.rawSha256(SignedRecord.canonical(unsignedJson())).toString();
  }

  /** This record signed by {@code key}, which must be the owner's. */
  public ServiceRecord signedBy(KeyPair key) {
    if (!key.publicKey().equals(owner)) {
      throw new RecordException("owner", "is " + owner + " but the signing key is " + key.publicKey());
    }
    ServiceRecord unsigned = withSig(null);
    return unsigned.withSig(key.sign(unsigned.signingBytes()));
  }

  private ServiceRecord withSig(byte[] newSig) {
    return new ServiceRecord(name, version, owner, abi, module, verifier, limits, home, description, createdAt, newSig);
  }

  @Override
  public ObjectNode unsignedJson() {
    ObjectNode json = Json.object();
    json.put("type", TYPE);
    json.put("name", name);
    json.put("version", version);
    json.put("owner", owner.toString());
    json.put("abi", abi);
    json.put("module", module.toString());
    json.put("verifier", verifier);
    json.set("limits", limits.toJson());
    if (home != null) {
      json.put("home", home.toString());
    }
    json.put("description", description);
    json.put("createdAt", createdAt);
    return json;
  }

  /** Parses and validates a service record (the signature is checked by {@link #verifySignature()}). */
  public static ServiceRecord fromJson(JsonNode json) {
    Fields.onlyKnown(json, FIELDS);
    if (!TYPE.equals(json.path("type").asText())) {
      throw new RecordException("type", "must be \"" + TYPE + "\"");
    }
    SignedRecord.checkSize(json);
    String home = Fields.string(json, "home", 2048, false);
    return new ServiceRecord(
        Fields.string(json, "name", 64, true),
        Fields.string(json, "version", 32, true),
        Fields.key("owner", Fields.string(json, "owner", 200, true)),
        Fields.string(json, "abi", 32, true),
        Fields.cid("module", Fields.string(json, "module", 200, true)),
        Fields.string(json, "verifier", 200, true),
        ServiceLimits.fromJson(Fields.required(json, "limits")),
        home == null ? null : Fields.url("home", home),
        Fields.string(json, "description", 2048, false),
        Fields.integer(json, "createdAt", 0, Fields.MAX_SAFE_INTEGER),
        Fields.signature(json));
  }

  public static Builder builder() {
    return new Builder();
  }

  private static <T> T requireField(String field, T value) {
    if (value == null) {
      throw new RecordException(field, "is required");
    }
    return value;
  }

  private static String abbreviate(String s) {
    return s == null ? "null" : s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServiceRecord r && unsignedJson().equals(r.unsignedJson()) && Arrays.equals(sig, r.sig);
  }

  @Override
  public int hashCode() {
    return unsignedJson().hashCode() * 31 + Arrays.hashCode(sig);
  }

  @Override
  public String toString() {
    return "ServiceRecord[" + name + " " + version + " " + serviceId() + "]";
  }

  /** Builds a service record; {@code name}, {@code owner} and {@code module} are required. */
  public static final class Builder {
    private String name;
    private String version = "1";
    private PublicKey owner;
    private String abi = "tandem-v1";
    private Cid module;
    private String verifier = BUILTIN_EQUAL;
    private ServiceLimits limits = ServiceLimits.defaults();
    private URI home;
    private String description = "";
    private long createdAt = System.currentTimeMillis();

    private Builder() {}

    public Builder name(String v) { name = v; return this; }
    public Builder version(String v) { version = v; return this; }
    public Builder owner(PublicKey v) { owner = v; return this; }
    public Builder abi(String v) { abi = v; return this; }
    public Builder module(Cid v) { module = v; return this; }
    public Builder verifier(String v) { verifier = v; return this; }
    public Builder limits(ServiceLimits v) { limits = v; return this; }
    public Builder home(URI v) { home = v; return this; }
    public Builder home(String v) { home = v == null ? null : Fields.url("home", v); return this; }
    public Builder description(String v) { description = v; return this; }
    public Builder createdAt(long v) { createdAt = v; return this; }

    /** The unsigned record. */
    public ServiceRecord build() {
      return new ServiceRecord(name, version, owner, abi, module, verifier, limits, home, description, createdAt,
          null);
    }

    /** The record signed by {@code key}; sets the owner to the key's public key when not set. */
    public ServiceRecord sign(KeyPair key) {
      if (owner == null) {
        owner = key.publicKey();
      }
      return build().signedBy(key);
    }
  }
}
