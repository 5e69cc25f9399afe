package dev.tandem.registry.evm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A compiled contract as {@code contracts/compile.mjs} writes it to {@code src/main/resources/evm/}: its ABI and
 * creation bytecode.
 *
 * @param name the contract's name, e.g. {@code ServerRegistry}
 * @param abi the ABI, a JSON array
 * @param bytecode the creation bytecode, {@code 0x…}
 */
record Artifact(String name, JsonNode abi, String bytecode) {
  static final Artifact SERVICE_REGISTRY = load("ServiceRegistry");
  static final Artifact SERVER_REGISTRY = load("ServerRegistry");

  static Artifact load(String name) {
    String resource = "/evm/" + name + ".json";
    try (InputStream in = Artifact.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the contract artifact " + resource + " is missing from the classpath");
      }
      JsonNode json = Json.parse(in.readAllBytes());
      return new Artifact(json.path("contractName").asText(), json.get("abi"), json.path("bytecode").asText());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    } catch (JsonFormatException e) {
      throw new IllegalStateException(resource + " is not JSON: " + e.getMessage(), e);
    }
  }

  /** The ABI entries of {@code type} ({@code function}, {@code event}, {@code error}) as signatures. */
  Set<String> signatures(String type) {
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode entry : abi) {
      if (type.equals(entry.path("type").asText())) {
        out.add(signature(entry));
      }
    }
    return out;
  }

  /** The custom errors the contract declares. */
  List<JsonNode> errors() {
    List<JsonNode> out = new ArrayList<>();
    abi.forEach(e -> {
      if ("error".equals(e.path("type").asText())) {
        out.add(e);
      }
    });
    return out;
  }

  /** {@code Name(type1,type2)}: what selectors and topics are hashes of. */
  static String signature(JsonNode entry) {
    List<String> types = new ArrayList<>();
    entry.path("inputs").forEach(i -> types.add(i.path("type").asText()));
    return entry.path("name").asText() + "(" + String.join(",", types) + ")";
  }
}
