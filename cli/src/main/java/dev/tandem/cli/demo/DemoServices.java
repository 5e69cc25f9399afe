package dev.tandem.cli.demo;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.meter.InstrumentException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the demo registers, read from the checkout's {@code services/} (built by {@code services/build.sh}): the
 * example modules with their records, signed as their owner would with {@code tandem service register}, and the
 * search index the search calls name by CID.
 */
final class DemoServices {
  private DemoServices() {}

  /**
   * The records of the example services, signed by {@code owner}. Matrix names {@code matrixHome} (server A) as its
   * home server; search and whisper have none: their conflicts are settled by the client re-running the request
   * itself (its referee), which needs no trusted party.
   */
  static List<DemoNetwork.Service> sign(Path checkout, KeyPair owner, URI matrixHome)
      throws IOException, InstrumentException {
    List<DemoNetwork.Service> out = new ArrayList<>();
    for (String name : DemoLayout.SERVICES) {
      Path file = checkout.resolve("services").resolve(name).resolve(name + ".wasm");
      if (!Files.isRegularFile(file)) {
        throw new IOException("example module " + file + " is missing (run services/build.sh)");
      }
      byte[] wasm = Files.readAllBytes(file);
      ServiceRecord record = ServiceRecord.builder().name(name).version("1").abi("tandem-v1")
          .module(Cid.rawSha256(wasm)).metered(Sandbox.meteredCid(wasm))
          .verifier(ServiceRecord.BUILTIN_EQUAL).home(name.equals(DemoLayout.MATRIX) ? matrixHome : null)
          .description("the " + name + " service of the picture in the design notes (services/" + name + ")")
          .createdAt(System.currentTimeMillis()).sign(owner);
      out.add(new DemoNetwork.Service(record, wasm));
    }
    return out;
  }

  /** The search index file (built from {@code services/search/corpus.txt}). */
  static byte[] searchIndex(Path checkout) throws IOException {
    Path file = checkout.resolve("services/search/corpus.idx");
    if (!Files.isRegularFile(file)) {
      throw new IOException("the search index " + file + " is missing (run services/build.sh)");
    }
    return Files.readAllBytes(file);
  }

  /**
   * Puts {@code bytes} on the node at {@code node}, as {@code tandem add} does: the other nodes fetch it by CID
   * from there when they first need it, checked block by block.
   *
   * @return its CID
   */
  static Cid put(URI node, String adminToken, byte[] bytes)
      throws IOException, InterruptedException, JsonFormatException {
    HttpResponse<byte[]> res = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node + "/ipfs"))
            .header("Authorization", "Bearer " + adminToken).POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
            .build(), HttpResponse.BodyHandlers.ofByteArray());
    if (res.statusCode() != 200) {
      throw new IOException(node + " did not store the file: HTTP " + res.statusCode());
    }
    return Cid.parse(Json.parse(res.body()).get("v1").asText());
  }
}
