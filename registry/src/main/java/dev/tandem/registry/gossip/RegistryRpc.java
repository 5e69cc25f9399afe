package dev.tandem.registry.gossip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceNames;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.wire.Methods;
import dev.tandem.core.wire.RpcParams;
import dev.tandem.registry.Registry;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The registry's two JSON-RPC methods, independent of any transport: the node's {@code POST /rpc} routes them here
 * with the request's {@code params}, and sends back what {@link #handle} returns as the {@code result}.
 *
 * <ul>
 *   <li>{@code tandem_records} {@code {"cursor": n, "limit": m}} (both optional: 0 and {@value #DEFAULT_LIMIT};
 *       a limit above {@value #MAX_LIMIT} is lowered to it) → {@code {"records": [record…], "next": n,
 *       "more": bool, "log": id}}. Records come in the order this node stored them; call again with {@code next}
 *       while {@code more}. {@code log} is the log's id ({@link Registry#logId()}), left out when the registry has
 *       none: a cursor is meaningful only in the log that handed it out, so a caller that finds another id than the
 *       one its cursor came from starts again from 0. A {@code next} lower than the cursor sent means the same:
 *       the cursor belongs to an older life of this node's log.
 *   <li>{@code tandem_recordIndex} takes what {@code tandem_records} takes and answers alike, but with
 *       {@code "entries": [{"type": "service", "id": serviceId} | {"type": "server", "id": key, "seq": n}…]} in
 *       place of the records: a reader learns what is new without being sent what it holds already.
 *   <li>{@code tandem_getRecords} {@code {"ids": [id…]}} (at most {@value #MAX_IDS} service ids or server keys) →
 *       {@code {"records": [record…]}}: the current record of each id held, in the order asked, up to about 4 MiB;
 *       unknown ids are left out.
 *   <li>{@code tandem_lookup} {@code {"service": ref, "limit": m, "prefer": [key…]}} (ref a service id, {@code NAME} or
 *       {@code OWNER/NAME}; limit optional, at most and by default {@value #MAX_LIMIT}) → {@code {"services":
 *       [record…], "servers": [record…], "more": bool}}: what a client needs to call one service, so that it need not
 *       copy the whole registry. {@code services} holds the service with that id, or those with that name (of owners
 *       whose key starts with {@code OWNER}), newest first, at most {@value #MAX_LOOKUP_SERVICES}, so the client
 *       resolves the name by the rules of {@link ServiceNames} and sees when it is ambiguous. {@code servers} holds
 *       the servers offering the service the ref resolves to (none when it does not resolve): those of the keys in
 *       {@code prefer} (at most {@value #MAX_PREFERRED}, the servers the client trusts) first, then the ones this node
 *       trusts most, at most {@code limit} and about 4 MiB; {@code more} says some were left out.
 *   <li>{@code tandem_submitRecord} {@code {"record": {…}}} → {@code {"status": "stored" | "already_known",
 *       "type": "service" | "server", "id": serviceId or server key}}.
 * </ul>
 *
 * <p>Errors are exceptions for the caller to map to JSON-RPC errors: {@link RecordException} (an invalid, wrongly
 * signed or stale record; its message names the field) and {@link IllegalArgumentException} (bad params, unknown
 * method) are the client's fault, {@code -32602} ({@code -32601} for an unknown method, see {@link #handles}).
 */
public final class RegistryRpc {
  public static final String RECORDS = Methods.RECORDS;
  public static final String SUBMIT_RECORD = Methods.SUBMIT_RECORD;
  public static final String RECORD_INDEX = Methods.RECORD_INDEX;
  public static final String GET_RECORDS = Methods.GET_RECORDS;
  public static final String LOOKUP = Methods.LOOKUP;
  /** Most services one {@code tandem_lookup} answers with (a name many keys registered). */
  public static final int MAX_LOOKUP_SERVICES = 100;
  /** Most keys a {@code tandem_lookup} may ask to have sent first. */
  public static final int MAX_PREFERRED = 256;
  /** About the most JSON one {@code tandem_lookup} answers with. */
  private static final int MAX_LOOKUP_BYTES = 4 << 20;
  /** Most ids one {@code tandem_getRecords} may ask for. */
  public static final int MAX_IDS = 1000;
  /** Longest id accepted (a server key's text is 50-odd characters, a service id 59). */
  private static final int MAX_ID_LENGTH = 200;
  public static final int DEFAULT_LIMIT = 256;
  public static final int MAX_LIMIT = 1000;

  private static final long MAX_CURSOR = (1L << 53) - 1; // what a JSON number carries exactly
  private static final Set<String> METHODS = Set.of(RECORDS, SUBMIT_RECORD, RECORD_INDEX, GET_RECORDS, LOOKUP);

  private final Registry registry;
  private final ToDoubleFunction<PublicKey> trust;

  public RegistryRpc(Registry registry) {
    this(registry, key -> 1);
  }

  /**
   * @param trust how much this node trusts a server ({@code Scores.weight}): a lookup that cannot send every server
   *     offering a service sends the most trusted
   */
  public RegistryRpc(Registry registry, ToDoubleFunction<PublicKey> trust) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.trust = Objects.requireNonNull(trust, "trust");
  }

  /** The methods this handler answers. */
  public static Set<String> methods() {
    return METHODS;
  }

  /** Whether {@code method} is one of {@link #methods()}. */
  public static boolean handles(String method) {
    return METHODS.contains(method);
  }

  /**
   * Answers one call.
   *
   * @param params the request's {@code params}; null or missing means none
   * @return the {@code result}
   * @throws RecordException for an invalid record
   * @throws IllegalArgumentException for bad params or a method this handler does not answer
   */
  public JsonNode handle(String method, JsonNode params) {
    return switch (method == null ? "" : method) {
      case RECORDS -> records(params);
      case SUBMIT_RECORD -> submitRecord(params, "rpc");
      case RECORD_INDEX -> recordIndex(params);
      case GET_RECORDS -> getRecords(params);
      case LOOKUP -> lookup(params);
      default -> throw new IllegalArgumentException("method " + method + " is not a registry method");
    };
  }

  /** {@code tandem_records}. */
  public ObjectNode records(JsonNode params) {
    long[] at = cursorAndLimit(params, RECORDS);
    Registry.Page page = registry.since(at[0], (int) at[1]);
    ObjectNode result = Json.object();
    ArrayNode records = result.putArray("records");
    page.records().forEach(r -> records.add(r.toJson()));
    return paged(result, page.next(), page.more());
  }

  /** {@code tandem_recordIndex}: the page {@code tandem_records} would answer, each record named, not sent. */
  public ObjectNode recordIndex(JsonNode params) {
    long[] at = cursorAndLimit(params, RECORD_INDEX);
    Registry.IndexPage page = registry.indexSince(at[0], (int) at[1]);
    ObjectNode result = Json.object();
    ArrayNode entries = result.putArray("entries");
    for (Registry.Entry e : page.entries()) {
      ObjectNode entry = entries.addObject().put("type", e.type()).put("id", e.id());
      if (ServerRecord.TYPE.equals(e.type())) {
        entry.put("seq", e.seq());
      }
    }
    return paged(result, page.next(), page.more());
  }

  /** {@code tandem_getRecords}. */
  public ObjectNode getRecords(JsonNode params) {
    JsonNode p = RpcParams.object(params, GET_RECORDS, Set.of("ids"));
    JsonNode ids = p.path("ids");
    if (!ids.isArray()) {
      throw new IllegalArgumentException("params.ids must be an array of service ids and server keys");
    }
    if (ids.size() > MAX_IDS) {
      throw new IllegalArgumentException("params.ids holds " + ids.size() + " ids, at most " + MAX_IDS + " are taken");
    }
    List<String> wanted = new ArrayList<>(ids.size());
    for (JsonNode id : ids) {
      if (!id.isTextual() || id.asText().length() > MAX_ID_LENGTH) {
        throw new IllegalArgumentException("params.ids must hold strings of at most " + MAX_ID_LENGTH
            + " characters (service ids and server keys)");
      }
      wanted.add(id.asText());
    }
    ObjectNode result = Json.object();
    ArrayNode records = result.putArray("records");
    registry.records(wanted).forEach(r -> records.add(r.toJson()));
    return result;
  }

  /** {@code tandem_lookup}. */
  public ObjectNode lookup(JsonNode params) {
    JsonNode p = RpcParams.object(params, LOOKUP, Set.of("service", "limit", "prefer"));
    JsonNode given = p.path("service");
    if (!given.isTextual() || given.asText().isEmpty() || given.asText().length() > MAX_ID_LENGTH) {
      throw new IllegalArgumentException("params.service must be a service id, NAME or OWNER/NAME of 1 to "
          + MAX_ID_LENGTH + " characters");
    }
    int limit = RpcParams.integer(p, "limit", MAX_LIMIT, 1).min(BigInteger.valueOf(MAX_LIMIT)).intValueExact();
    String ref = given.asText();
    List<ServiceRecord> services = registry.service(ref).map(List::of).orElseGet(() -> named(ref));
    ObjectNode result = Json.object();
    ArrayNode serviceJson = result.putArray("services");
    services.forEach(s -> serviceJson.add(s.toJson()));
    ArrayNode serverJson = result.putArray("servers");
    ServiceRecord chosen;
    try {
      chosen = ServiceNames.resolve(ref, services).orElse(null);
    } catch (ServiceNames.AmbiguousNameException e) {
      chosen = null; // the client says so, naming the owners from the services sent
    }
    Set<PublicKey> preferred = preferred(p.path("prefer"));
    List<ServerRecord> offering = chosen == null ? List.of() : mostTrustedFirst(registry.serversOffering(
        chosen.serviceId()), preferred);
    int bytes = 0;
    int sent = 0;
    for (ServerRecord s : offering) {
      JsonNode json = s.toJson();
      bytes += json.toString().length();
      if (sent == limit || (sent > 0 && bytes > MAX_LOOKUP_BYTES)) {
        break;
      }
      serverJson.add(json);
      sent++;
    }
    result.put("more", sent < offering.size());
    return result;
  }

  /** The services named by {@code ref} ({@code NAME} or {@code OWNER/NAME}), newest first, at most a few. */
  private List<ServiceRecord> named(String ref) {
    int slash = ref.indexOf('/');
    String name = slash < 0 ? ref : ref.substring(slash + 1);
    String owner = slash < 0 ? "" : ref.substring(0, slash);
    String prefix = owner.startsWith(PublicKey.PREFIX) ? owner.substring(PublicKey.PREFIX.length()) : owner;
    if (slash >= 0 && prefix.length() < ServiceNames.MIN_OWNER_CHARS) {
      throw new IllegalArgumentException("params.service: an owner prefix needs at least "
          + ServiceNames.MIN_OWNER_CHARS + " characters, got '" + owner + "'");
    }
    return registry.resolve(name).stream().filter(s -> s.name().equals(name))
        .filter(s -> ServiceNames.base58(s.owner()).startsWith(prefix)).limit(MAX_LOOKUP_SERVICES).toList();
  }

  /**
   * Servers the caller prefers first (those it trusts: a client's own scores outrank this node's, and keep servers
   * it knows in the answer however many fresh keys offer the service), then by this node's trust, highest first;
   * equal trust (every newcomer) in random order, never by key.
   */
  private List<ServerRecord> mostTrustedFirst(List<ServerRecord> servers, Set<PublicKey> preferred) {
    List<ServerRecord> shuffled = new ArrayList<>(servers);
    Collections.shuffle(shuffled);
    Map<PublicKey, Double> weights = new HashMap<>();
    shuffled.sort(Comparator.comparing((ServerRecord s) -> !preferred.contains(s.key()))
        .thenComparing(Comparator.comparingDouble((ServerRecord s) -> weights.computeIfAbsent(s.key(),
            trust::applyAsDouble)).reversed()));
    return shuffled;
  }

  /** The keys of {@code tandem_lookup}'s {@code prefer}: absent, or an array of at most a few server keys. */
  private static Set<PublicKey> preferred(JsonNode prefer) {
    if (prefer.isMissingNode() || prefer.isNull()) {
      return Set.of();
    }
    if (!prefer.isArray() || prefer.size() > MAX_PREFERRED) {
      throw new IllegalArgumentException("params.prefer must be an array of at most " + MAX_PREFERRED
          + " server keys");
    }
    Set<PublicKey> keys = new HashSet<>();
    for (JsonNode k : prefer) {
      try {
        keys.add(PublicKey.parse(k.asText()));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("params.prefer: '" + k.asText() + "' is not a server key ("
            + PublicKey.PREFIX + "…)");
      }
    }
    return keys;
  }

  /**
   * Whether {@code record} (the {@code record} param of {@code tandem_submitRecord}) is stored here as it is, so
   * submitting it again stores nothing: a caller past a quota on new records may still send it.
   */
  public boolean isStored(JsonNode record) {
    if (record == null || !record.isObject()) {
      return false;
    }
    if (storedCopy(record) != null) {
      return true;
    }
    try {
      SignedRecord parsed = SignedRecord.fromJson(record);
      String id = parsed instanceof ServiceRecord s ? s.serviceId() : ((ServerRecord) parsed).key().toString();
      JsonNode given = parsed.toJson();
      return registry.records(List.of(id)).stream().anyMatch(r -> r.toJson().equals(SAME_VALUE, given));
    } catch (RuntimeException e) {
      return false; // not a record: the submission will say why
    }
  }

  /**
   * The stored server record that {@code json} is an exact copy of (every member, the signature included), or null.
   * Gossip pushes each record to a few peers and most already hold it: such a copy is answered from the stored
   * record, which was checked when stored, without parsing, canonicalizing or verifying it again. Anything else,
   * a near copy included, goes the whole way and gets the whole answer.
   */
  private SignedRecord storedCopy(JsonNode json) {
    if (!json.isObject() || !ServerRecord.TYPE.equals(json.path("type").asText()) || !json.path("key").isTextual()
        || json.path("key").asText().length() > MAX_ID_LENGTH) {
      return null;
    }
    List<SignedRecord> stored = registry.records(List.of(json.path("key").asText()));
    if (stored.size() != 1 || !(stored.get(0) instanceof ServerRecord server)) {
      return null;
    }
    return server.toJson().equals(SAME_VALUE, json) ? server : null;
  }

  /** JSON values compared as values: an integer is the same whether it was read as an int or written as a long. */
  private static final java.util.Comparator<JsonNode> SAME_VALUE = (a, b) -> a.equals(b)
      || (a.isIntegralNumber() && b.isIntegralNumber() && a.bigIntegerValue().equals(b.bigIntegerValue())) ? 0 : 1;

  /** The {@code cursor} and {@code limit} of a log read, checked; an over-large limit is lowered. */
  private static long[] cursorAndLimit(JsonNode params, String method) {
    JsonNode p = RpcParams.object(params, method, Set.of("cursor", "limit"));
    BigInteger cursor = RpcParams.integer(p, "cursor", 0, 0);
    if (cursor.compareTo(BigInteger.valueOf(MAX_CURSOR)) > 0) {
      throw new IllegalArgumentException("params.cursor must be at most " + MAX_CURSOR + ", got " + cursor);
    }
    // An over-large limit is lowered rather than refused: the caller pages on with next/more either way.
    int limit = RpcParams.integer(p, "limit", DEFAULT_LIMIT, 1).min(BigInteger.valueOf(MAX_LIMIT)).intValueExact();
    return new long[] {cursor.longValueExact(), limit};
  }

  /** Adds {@code next}, {@code more} and the log's id to a page. */
  private ObjectNode paged(ObjectNode result, long next, boolean more) {
    result.put("next", next);
    result.put("more", more);
    String log = registry.logId();
    if (log != null && !log.isEmpty()) {
      result.put("log", log);
    }
    return result;
  }

  /** Throws what {@link #submitRecord} would throw for {@code record}, storing nothing ({@link Registry#check}). */
  public void check(SignedRecord record, String origin) {
    registry.check(record, origin);
  }

  /**
   * {@code tandem_submitRecord}; {@code origin} says where the call came from in the registry's log (a peer's
   * address when the transport knows it).
   */
  public ObjectNode submitRecord(JsonNode params, String origin) {
    JsonNode p = RpcParams.object(params, SUBMIT_RECORD, Set.of("record"));
    JsonNode json = p.get("record");
    if (json == null || json.isNull()) {
      throw new IllegalArgumentException("params.record is required");
    }
    SignedRecord copy = storedCopy(json);
    SignedRecord record = copy != null ? copy : SignedRecord.fromJson(json);
    Registry.Submitted submitted = copy != null ? Registry.Submitted.ALREADY_KNOWN : registry.submit(record, origin);
    ObjectNode result = Json.object();
    result.put("status", submitted == Registry.Submitted.STORED ? "stored" : "already_known");
    result.put("type", record.type());
    result.put("id", switch (record) {
      case ServiceRecord s -> s.serviceId();
      case ServerRecord s -> s.key().toString();
    });
    return result;
  }
}
