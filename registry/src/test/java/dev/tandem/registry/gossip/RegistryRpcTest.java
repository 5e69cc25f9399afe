package dev.tandem.registry.gossip;

import static dev.tandem.registry.TestRecords.key;
import static dev.tandem.registry.TestRecords.server;
import static dev.tandem.registry.TestRecords.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.registry.Registry;
import dev.tandem.registry.store.SqliteRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RegistryRpcTest {
  private static final KeyPair OWNER = key(1);
  private static final KeyPair NODE = key(2);

  private final SqliteRegistry registry = SqliteRegistry.inMemory();
  private final RegistryRpc rpc = new RegistryRpc(registry);

  @AfterEach
  void close() {
    registry.close();
  }

  private static JsonNode json(String text) throws Exception {
    return Json.parse(text);
  }

  private static ObjectNode submitParams(SignedRecord record) {
    ObjectNode params = Json.object();
    params.set("record", record.toJson());
    return params;
  }

  @Test
  void recordsPagesThroughTheLogInStoreOrder() throws Exception {
    List<ServiceRecord> stored = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      stored.add(service(OWNER, "s" + i));
      registry.submit(stored.get(i));
    }

    JsonNode first = rpc.handle(RegistryRpc.RECORDS, json("{\"cursor\":0,\"limit\":2}"));
    assertThat(first.get("records")).hasSize(2);
    assertThat(first.get("more").booleanValue()).isTrue();
    JsonNode rest = rpc.handle(RegistryRpc.RECORDS, json("{\"cursor\":" + first.get("next") + "}"));
    assertThat(rest.get("more").booleanValue()).isFalse();

    List<SignedRecord> seen = new ArrayList<>();
    first.get("records").forEach(r -> seen.add(SignedRecord.fromJson(r)));
    rest.get("records").forEach(r -> seen.add(SignedRecord.fromJson(r)));
    assertThat(seen).containsExactlyElementsOf(stored);
    assertThat(first.get("records").get(0)).isEqualTo(stored.get(0).toJson()); // records travel signed, as stored

    // no params at all: from the start with the default limit
    assertThat(rpc.handle(RegistryRpc.RECORDS, null).get("records")).hasSize(3);
    assertThat(rpc.handle(RegistryRpc.RECORDS, json("{}")).get("next").longValue())
        .isEqualTo(rest.get("next").longValue());
  }

  @Test
  void recordIndexNamesWhatRecordsWouldSendAndGetRecordsSendsIt() throws Exception {
    ServiceRecord search = service(OWNER, "search");
    registry.submit(search);
    ServerRecord first = server(NODE, "http://127.0.0.1:7001", 1, List.of(search.serviceId()));
    registry.submit(first);
    ServerRecord second = server(NODE, "http://127.0.0.1:7001", 2, List.of(search.serviceId()));
    registry.submit(second); // supersedes the first: one entry for the key, with the newer seq

    JsonNode index = rpc.handle(RegistryRpc.RECORD_INDEX, json("{\"cursor\":0}"));
    JsonNode records = rpc.handle(RegistryRpc.RECORDS, json("{\"cursor\":0}"));
    assertThat(index.get("next")).isEqualTo(records.get("next"));
    assertThat(index.get("more")).isEqualTo(records.get("more"));
    assertThat(index.get("log")).isEqualTo(records.get("log"));
    assertThat(index.get("entries").toString()).isEqualTo("[{\"type\":\"service\",\"id\":\"" + search.serviceId()
        + "\"},{\"type\":\"server\",\"id\":\"" + NODE.publicKey() + "\",\"seq\":2}]");
    assertThat(rpc.handle(RegistryRpc.RECORD_INDEX, json("{\"cursor\":0,\"limit\":1}")).get("more").booleanValue())
        .isTrue();

    JsonNode got = rpc.handle(RegistryRpc.GET_RECORDS, json("{\"ids\":[\"" + NODE.publicKey() + "\",\"nope\",\""
        + search.serviceId() + "\"]}"));
    assertThat(got.get("records")).containsExactly(second.toJson(), search.toJson()); // in the order asked
    assertThat(registry.holds(Registry.Entry.of(second))).isTrue();
    assertThat(registry.holds(new Registry.Entry("server", NODE.publicKey().toString(), 3))).isFalse();
    assertThat(registry.holds(new Registry.Entry("service", "bafkreiunknown", 0))).isFalse();
  }

  @Test
  void getRecordsRefusesBadIds() throws Exception {
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.GET_RECORDS, json("{\"ids\":\"x\"}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("params.ids");
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.GET_RECORDS, json("{\"ids\":[1]}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("strings");
    StringBuilder many = new StringBuilder("{\"ids\":[");
    for (int i = 0; i <= RegistryRpc.MAX_IDS; i++) {
      many.append(i == 0 ? "" : ",").append("\"a\"");
    }
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.GET_RECORDS, json(many + "]}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most " + RegistryRpc.MAX_IDS);
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.GET_RECORDS, json("{\"ids\":[],\"more\":1}")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aCopyOfAStoredServerRecordIsKnownAndANearCopyIsStillChecked() throws Exception {
    ServerRecord stored = server(NODE, "http://127.0.0.1:7001", 3, List.of());
    registry.submit(stored);
    // As a peer sends it: parsed from text, so its numbers are ints where the stored record writes longs.
    JsonNode copy = json(stored.toJson().toString());
    assertThat(rpc.handle(RegistryRpc.SUBMIT_RECORD, json("{\"record\":" + copy + "}")).get("status").asText())
        .isEqualTo("already_known");
    ObjectNode tampered = stored.toJson();
    tampered.put("url", "http://127.0.0.1:7002"); // the signature no longer matches
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.SUBMIT_RECORD, submitParams(SignedRecord.fromJson(tampered))))
        .isInstanceOf(RecordException.class).hasMessageStartingWith("sig:");
    assertThat(registry.server(NODE.publicKey())).contains(stored);
  }

  @Test
  void recordsNamesTheLogItsCursorsBelongTo() throws Exception {
    registry.submit(service(OWNER, "search"));
    JsonNode answer = rpc.handle(RegistryRpc.RECORDS, json("{}"));
    assertThat(answer.get("log").textValue()).isEqualTo(registry.logId()).matches("[0-9a-f]{32}");
    // the answer otherwise as before, the log added after the other members
    assertThat(answer.fieldNames()).toIterable().containsExactly("records", "next", "more", "log");
    assertThat(rpc.handle(RegistryRpc.RECORDS, json("{\"cursor\":1}")).get("log")).isEqualTo(answer.get("log"));

    // another database, another log
    try (SqliteRegistry other = SqliteRegistry.inMemory()) {
      assertThat(new RegistryRpc(other).handle(RegistryRpc.RECORDS, null).get("log"))
          .isNotEqualTo(answer.get("log"));
    }
  }

  @Test
  void recordsLeavesTheLogOutWhenTheRegistryHasNoLogId() {
    Registry anonymous = new Registry() { // a registry that gives its log no identity (the interface's default)
      @Override
      public Submitted submit(SignedRecord record) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Optional<ServiceRecord> service(String serviceId) {
        return Optional.empty();
      }

      @Override
      public List<ServiceRecord> services() {
        return List.of();
      }

      @Override
      public Optional<ServerRecord> server(PublicKey key) {
        return Optional.empty();
      }

      @Override
      public List<ServerRecord> servers() {
        return List.of();
      }

      @Override
      public Page since(long cursor, int limit) {
        return new Page(List.of(), cursor, false);
      }

      @Override
      public void onStored(Consumer<SignedRecord> listener) {}

      @Override
      public void close() {}
    };
    assertThat(anonymous.logId()).isEmpty();
    assertThat(new RegistryRpc(anonymous).handle(RegistryRpc.RECORDS, null)).isEqualTo(
        Json.object().<ObjectNode>set("records", Json.nodes().arrayNode()).put("next", 0L).put("more", false));
  }

  @Test
  void anOverLargeLimitIsLoweredToTheMaximum() throws Exception {
    for (int i = 0; i < RegistryRpc.MAX_LIMIT + 5; i++) {
      registry.submit(service(OWNER, "s" + i));
    }
    JsonNode page = rpc.handle(RegistryRpc.RECORDS, json("{\"limit\":100000000000000000000000}"));
    assertThat(page.get("records")).hasSize(RegistryRpc.MAX_LIMIT);
    assertThat(page.get("more").booleanValue()).isTrue();
    assertThat(rpc.handle(RegistryRpc.RECORDS, json("{}")).get("records")).hasSize(RegistryRpc.DEFAULT_LIMIT);
  }

  @Test
  void badRecordsParamsAreRefusedSayingWhy() {
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.RECORDS, json("{\"cursor\":-1}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("params.cursor");
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.RECORDS, json("{\"cursor\":\"5\"}")))
        .hasMessageContaining("params.cursor must be an integer");
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.RECORDS, json("{\"cursor\":1.5}")))
        .hasMessageContaining("params.cursor must be an integer");
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.RECORDS, json("{\"cursor\":9007199254740992}")))
        .hasMessageContaining("params.cursor must be at most");
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.RECORDS, json("{\"limit\":0}")))
        .hasMessageContaining("params.limit must be 1 or more");
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.RECORDS, json("{\"curser\":3}")))
        .hasMessageContaining("params.curser is not a parameter");
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.RECORDS, json("[0, 10]")))
        .hasMessageContaining("params must be an object");
    assertThatThrownBy(() -> rpc.handle("tandem_status", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a registry method");
    assertThat(RegistryRpc.handles("tandem_status")).isFalse();
    assertThat(RegistryRpc.methods()).containsExactlyInAnyOrder("tandem_records", "tandem_submitRecord",
        "tandem_recordIndex", "tandem_getRecords", "tandem_lookup");
  }

  @Test
  void submitRecordStoresOnceAndSaysWhatItDid() {
    ServiceRecord s = service(OWNER, "search");
    JsonNode result = rpc.handle(RegistryRpc.SUBMIT_RECORD, submitParams(s));
    assertThat(result).isEqualTo(Json.object().put("status", "stored").put("type", "service")
        .put("id", s.serviceId()));
    assertThat(rpc.handle(RegistryRpc.SUBMIT_RECORD, submitParams(s)).get("status").asText())
        .isEqualTo("already_known");

    ServerRecord n = server(NODE, "http://127.0.0.1:7001", 1, List.of(s.serviceId()));
    assertThat(rpc.handle(RegistryRpc.SUBMIT_RECORD, submitParams(n))).isEqualTo(Json.object()
        .put("status", "stored").put("type", "server").put("id", NODE.publicKey().toString()));
    assertThat(registry.serversOffering(s.serviceId())).containsExactly(n);
  }

  @Test
  void invalidSubmissionsThrowNamingTheProblemAndStoreNothing() throws Exception {
    ObjectNode tampered = submitParams(service(OWNER, "search"));
    ((ObjectNode) tampered.get("record")).put("name", "other");
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.SUBMIT_RECORD, tampered))
        .isInstanceOfSatisfying(RecordException.class, e -> assertThat(e.field()).isEqualTo("sig"));

    ObjectNode malformed = submitParams(service(OWNER, "search"));
    ((ObjectNode) malformed.get("record")).put("module", "not-a-cid");
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.SUBMIT_RECORD, malformed))
        .isInstanceOfSatisfying(RecordException.class, e -> assertThat(e.field()).isEqualTo("module"));

    registry.submit(server(NODE, "http://127.0.0.1:7001", 5, List.of()));
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.SUBMIT_RECORD,
        submitParams(server(NODE, "http://127.0.0.1:7001", 4, List.of()))))
        .isInstanceOf(RecordException.class).hasMessage("seq: 4 is not newer than the stored 5");

    assertThatThrownBy(() -> rpc.handle(RegistryRpc.SUBMIT_RECORD, json("{}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("params.record is required");
    assertThatThrownBy(() -> rpc.handle(RegistryRpc.SUBMIT_RECORD, json("{\"record\":[]}")))
        .isInstanceOf(RecordException.class);

    assertThat(registry.services()).isEmpty();
    assertThat(registry.since(0, 10).records()).hasSize(1); // only the server record stored above
  }

  /**
   * A lookup sends what a client needs to call one service, not the registry: the service (by id, by name, by
   * OWNER/NAME) with the other services of that name, so the client can tell an ambiguous name, and the servers
   * offering it, the most trusted first.
   */
  @Test
  void lookupSendsAServiceAndTheServersOfferingItOnly() throws Exception {
    KeyPair squatter = key(3);
    ServiceRecord search = service(OWNER, "search");
    ServiceRecord other = service(OWNER, "other");
    registry.submit(search);
    registry.submit(other);
    List<ServerRecord> servers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      servers.add(server(key(10 + i), "http://127.0.0.1:" + (7001 + i), 1, List.of(search.serviceId())));
      registry.submit(servers.get(i));
    }
    registry.submit(server(key(20), "http://127.0.0.1:7100", 1, List.of(other.serviceId())));
    PublicKey trusted = servers.get(3).key();
    RegistryRpc lookups = new RegistryRpc(registry, k -> k.equals(trusted) ? 5 : 1);

    for (String ref : List.of(search.serviceId(), "search",
        dev.tandem.core.record.ServiceNames.base58(OWNER.publicKey()).substring(0, 8) + "/search")) {
      JsonNode found = lookups.handle(RegistryRpc.LOOKUP, Json.object().put("service", ref));
      assertThat(found.get("services")).as(ref).containsExactly(search.toJson());
      assertThat(found.get("servers")).as(ref).hasSize(5);
      assertThat(found.get("servers").get(0)).as("the most trusted first").isEqualTo(servers.get(3).toJson());
      assertThat(found.get("more").booleanValue()).isFalse();
    }
    JsonNode two = lookups.handle(RegistryRpc.LOOKUP, json("{\"service\":\"search\",\"limit\":2}"));
    assertThat(two.get("servers")).hasSize(2);
    assertThat(two.get("more").booleanValue()).isTrue();

    // The servers the client trusts come first, whatever this node thinks of them: fresh keys cannot crowd them out.
    ArrayNode prefer = Json.nodes().arrayNode().add(servers.get(1).key().toString()).add(servers.get(4).key().toString())
        .add(key(99).publicKey().toString()); // a key offering nothing is no harm
    ObjectNode preferring = Json.object().put("service", "search").put("limit", 2);
    preferring.set("prefer", prefer);
    JsonNode kept = lookups.handle(RegistryRpc.LOOKUP, preferring);
    assertThat(kept.get("servers")).containsExactlyInAnyOrder(servers.get(1).toJson(), servers.get(4).toJson());
    preferring.put("limit", 3);
    assertThat(lookups.handle(RegistryRpc.LOOKUP, preferring).get("servers").get(2))
        .as("then this node's most trusted").isEqualTo(servers.get(3).toJson());
    preferring.set("prefer", Json.nodes().arrayNode().add("not-a-key"));
    assertThatThrownBy(() -> lookups.handle(RegistryRpc.LOOKUP, preferring))
        .hasMessageContaining("params.prefer: 'not-a-key' is not a server key");
    ArrayNode tooMany = Json.nodes().arrayNode();
    for (int i = 0; i <= RegistryRpc.MAX_PREFERRED; i++) {
      tooMany.add(servers.get(0).key().toString());
    }
    preferring.set("prefer", tooMany);
    assertThatThrownBy(() -> lookups.handle(RegistryRpc.LOOKUP, preferring))
        .hasMessageContaining("params.prefer must be an array of at most 256 server keys");

    // A second owner of the name: both sent, no servers, and the client says the name is ambiguous.
    ServiceRecord squatted = service(squatter, "search");
    registry.submit(squatted);
    JsonNode ambiguous = lookups.handle(RegistryRpc.LOOKUP, Json.object().put("service", "search"));
    assertThat(ambiguous.get("services")).hasSize(2);
    assertThat(ambiguous.get("servers")).isEmpty();
    assertThat(lookups.handle(RegistryRpc.LOOKUP, Json.object().put("service", search.serviceId()))
        .get("servers")).hasSize(5);

    JsonNode unknown = lookups.handle(RegistryRpc.LOOKUP, Json.object().put("service", "nothing"));
    assertThat(unknown.get("services")).isEmpty();
    assertThat(unknown.get("servers")).isEmpty();
    assertThatThrownBy(() -> lookups.handle(RegistryRpc.LOOKUP, json("{}")))
        .hasMessageContaining("params.service must be a service id, NAME or OWNER/NAME");
    assertThatThrownBy(() -> lookups.handle(RegistryRpc.LOOKUP, Json.object().put("service", "abc/search")))
        .hasMessageContaining("an owner prefix needs at least 8 characters");
  }
}
