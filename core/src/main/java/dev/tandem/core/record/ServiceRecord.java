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
 * which limits, and which home server (its URL and, in newer records, its key) settles conflicts when the client
 * cannot re-run a request itself. Its {@linkplain #serviceId() id} is the CID of the canonical
 * unsigned record, so a new module version is a new service and two nodes running different code never share an id.
 *
 * <p>A service runs either a WebAssembly {@code module} or, with {@code runtime: "oci"}, a container image pinned by
 * digest ({@link OciSpec}); exactly one of {@code module} and {@code oci} is set. A WebAssembly record's JSON has no
 * {@code runtime}, {@code image} or {@code container} member, so its bytes and id are what they always were.
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
    PublicKey homeKey,
    String description,
    long createdAt,
    OciSpec oci,
    Cid metered,
    byte[] sig)
    implements SignedRecord {

  public static final String TYPE = "service";
  public static final Set<String> ABIS = Set.of("tandem-v1", "wasi-command");
  public static final String BUILTIN_EQUAL = "builtin:equal";
  public static final String BUILTIN_MAJORITY = "builtin:majority";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Set<String> FIELDS = Set.of("type", "name", "version", "owner", "abi", "module", "verifier",
      "limits", "home", "homeKey", "description", "createdAt", "runtime", "image", "container", "metered", "sig");

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
    if (oci == null) {
      requireField("module", module);
    } else if (module != null) {
      throw new RecordException("module", "must be absent for runtime \"oci\" (the image digest names the code)");
    } else if (!abi.equals("tandem-v1")) {
      throw new RecordException("abi", "must be \"tandem-v1\" for runtime \"oci\", got \"" + abbreviate(abi) + "\"");
    }
    if (metered != null && oci != null) {
      throw new RecordException("metered", "must be absent for runtime \"oci\" (there is no module to meter)");
    }
    requireField("verifier", verifier);
    if (!verifier.equals(BUILTIN_EQUAL) && !verifier.equals(BUILTIN_MAJORITY)) {
      Fields.cid("verifier", verifier);
    }
    requireField("limits", limits);
    if (home != null) {
      Fields.url("home", home.toString());
    }
    if (homeKey != null && home == null) {
      throw new RecordException("homeKey", "names the home server's key, so it needs \"home\" too");
    }
    Fields.checkLength("description", description == null ? "" : description, 2048);
    description = description == null ? "" : description;
    Fields.range("createdAt", createdAt, 0, Fields.MAX_SAFE_INTEGER);
    if (sig != null && sig.length != 64) {
      throw new RecordException("sig", "must be a 64-byte Ed25519 signature");
    }
    sig = sig == null ? null : sig.clone();
  }

  /** {@code "oci"} for a container service, {@code "wasm"} for a WebAssembly module. */
  public String runtime() {
    return oci == null ? "wasm" : OciSpec.RUNTIME;
  }

  /** Whether this service runs as an OCI container image rather than a WebAssembly module. */
  public boolean isOci() {
    return oci != null;
  }

  /** What names the service's code: the module's CID, or the image's {@code REPO@sha256:DIGEST}. */
  public String code() {
    return oci == null ? module.toString() : oci.image();
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
    return new ServiceRecord(name, version, owner, abi, module, verifier, limits, home, homeKey, description,
        createdAt, oci, metered, newSig);
  }

  @Override
  public ObjectNode unsignedJson() {
    ObjectNode json = Json.object();
    json.put("type", TYPE);
    json.put("name", name);
    json.put("version", version);
    json.put("owner", owner.toString());
    json.put("abi", abi);
    if (oci == null) {
      json.put("module", module.toString());
      if (metered != null) {
        json.put("metered", metered.toString());
      }
    } else {
      json.put("runtime", OciSpec.RUNTIME);
      json.put("image", oci.image());
      json.set("container", oci.containerJson());
    }
    json.put("verifier", verifier);
    json.set("limits", limits.toJson());
    if (home != null) {
      json.put("home", home.toString());
    }
    if (homeKey != null) {
      json.put("homeKey", homeKey.toString());
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
    String runtime = Fields.string(json, "runtime", 16, false);
    if (runtime != null && !runtime.equals(OciSpec.RUNTIME)) {
      throw new RecordException("runtime", "must be \"" + OciSpec.RUNTIME + "\" or absent (WebAssembly), got \""
          + abbreviate(runtime) + "\"");
    }
    if (runtime == null && (json.has("image") || json.has("container"))) {
      throw new RecordException("runtime", "must be \"" + OciSpec.RUNTIME + "\" when \"image\" is given");
    }
    OciSpec oci = runtime == null ? null
        : OciSpec.fromJson(Fields.string(json, "image", 512, true), json.get("container"));
    if (oci != null && json.has("module")) {
      throw new RecordException("module", "must be absent for runtime \"oci\" (the image digest names the code)");
    }
    String homeKey = Fields.string(json, "homeKey", 200, false);
    String metered = Fields.string(json, "metered", 200, false);
    return new ServiceRecord(
        Fields.string(json, "name", 64, true),
        Fields.string(json, "version", 32, true),
        Fields.key("owner", Fields.string(json, "owner", 200, true)),
        Fields.string(json, "abi", 32, true),
        oci != null ? null : Fields.cid("module", Fields.string(json, "module", 200, true)),
        Fields.string(json, "verifier", 200, true),
        ServiceLimits.fromJson(Fields.required(json, "limits")),
        home == null ? null : Fields.url("home", home),
        homeKey == null ? null : Fields.key("homeKey", homeKey),
        Fields.string(json, "description", 2048, false),
        Fields.integer(json, "createdAt", 0, Fields.MAX_SAFE_INTEGER),
        oci,
        metered == null ? null : Fields.cid("metered", metered),
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

  /** Builds a service record; {@code name}, {@code owner} and {@code module} (or {@code oci}) are required. */
  public static final class Builder {
    private String name;
    private String version = "1";
    private PublicKey owner;
    private String abi = "tandem-v1";
    private Cid module;
    private String verifier = BUILTIN_EQUAL;
    private ServiceLimits limits = ServiceLimits.defaults();
    private URI home;
    private PublicKey homeKey;
    private String description = "";
    private long createdAt = System.currentTimeMillis();
    private OciSpec oci;
    private Cid metered;

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
    /** The home server's key: only an answer signed by it is the home's (records without it pin the URL only). */
    public Builder homeKey(PublicKey v) { homeKey = v; return this; }
    public Builder description(String v) { description = v; return this; }
    public Builder createdAt(long v) { createdAt = v; return this; }
    /** Makes this an OCI service running {@code v}'s image (and no module). */
    public Builder oci(OciSpec v) { oci = v; return this; }
    /**
     * The raw CID of the module as Tandem's metering rewrites it (docs/metering.md): what every node compiles and
     * runs. Nodes refuse to run a record whose metered module is not what they compute, so a client that re-runs a
     * request (a browser, which has no instrumenter of its own) can fetch exactly those bytes by this CID.
     */
    public Builder metered(Cid v) { metered = v; return this; }

    /** The unsigned record. */
    public ServiceRecord build() {
      return new ServiceRecord(name, version, owner, abi, module, verifier, limits, home, homeKey, description,
          createdAt, oci, metered, null);
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
