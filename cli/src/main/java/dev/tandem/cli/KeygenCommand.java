package dev.tandem.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.registry.evm.EthKeyFile;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "keygen", mixinStandardHelpOptions = true,
    description = {"Create a key file (owner-only permissions) and print its public key.",
        "Default: an Ed25519 key (a service owner's or a node's). With --eth: an Ethereum (secp256k1) key for "
            + "--eth-key, and its address."})
final class KeygenCommand implements Callable<Integer> {
  @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write the key (a new file)")
  Path out;

  @Option(names = "--eth", description = "an Ethereum key: 64 hex digits, as --eth-key reads; prints its address")
  boolean eth;

  @Option(names = "--json", description = "print one JSON object: the type, the file and the public key or address")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Keys.checkNew("--out", out);
    String type;
    String identity;
    if (eth) {
      type = "ethereum";
      identity = EthKeyFile.generate(out).getAddress();
    } else {
      KeyPair key = KeyPair.generate();
      key.writeTo(out);
      type = "ed25519";
      identity = key.publicKey().toString();
    }
    if (json) {
      ObjectNode o = Json.object();
      o.put("type", type);
      o.put("file", out.toAbsolutePath().toString());
      o.put(eth ? "address" : "publicKey", identity);
      System.out.println(o.toPrettyString());
    } else {
      System.out.println(identity);
    }
    return 0;
  }
}
