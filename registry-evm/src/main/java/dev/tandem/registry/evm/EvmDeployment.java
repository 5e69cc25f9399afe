package dev.tandem.registry.evm;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;
import org.web3j.crypto.Keys;

/**
 * Where a Tandem registry lives on an EVM chain: the node to talk to and the two contracts' addresses. Written as a
 * spec, {@code evm:RPC_URL@SERVICE_REGISTRY,SERVER_REGISTRY}, e.g.
 * {@code evm:http://127.0.0.1:8545@0x5FbDB2315678afecb367f032d93F642f64180aa3,0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512}.
 *
 * @param rpc the JSON-RPC endpoint, http or https
 * @param serviceRegistry the ServiceRegistry contract, checksummed
 * @param serverRegistry the ServerRegistry contract, checksummed
 */
public record EvmDeployment(URI rpc, String serviceRegistry, String serverRegistry) {
  /** The prefix of a spec. */
  public static final String SCHEME = "evm:";
  private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");

  public EvmDeployment {
    if (rpc == null || rpc.getScheme() == null
        || !(rpc.getScheme().equals("http") || rpc.getScheme().equals("https")) || rpc.getHost() == null) {
      throw new IllegalArgumentException("the RPC URL must be http(s)://HOST[:PORT][/PATH], got " + rpc);
    }
    serviceRegistry = address("service registry", serviceRegistry);
    serverRegistry = address("server registry", serverRegistry);
    if (serviceRegistry.equalsIgnoreCase(serverRegistry)) {
      throw new IllegalArgumentException("the service and server registries must be two contracts, got "
          + serviceRegistry + " twice");
    }
  }

  /**
   * Parses {@code evm:RPC_URL@SERVICE_REGISTRY,SERVER_REGISTRY} (the {@code evm:} prefix may be left out).
   *
   * @throws IllegalArgumentException saying which part is wrong
   */
  public static EvmDeployment parse(String spec) {
    String s = spec.strip();
    if (s.startsWith(SCHEME)) {
      s = s.substring(SCHEME.length());
    }
    // The URL may itself hold an '@' (user info), the addresses never do: split at the last one.
    int at = s.lastIndexOf('@');
    String usage = "expected " + SCHEME + "RPC_URL@SERVICE_REGISTRY,SERVER_REGISTRY, got \"" + spec + "\"";
    if (at <= 0) {
      throw new IllegalArgumentException(usage);
    }
    String[] addresses = s.substring(at + 1).split(",", -1);
    if (addresses.length != 2) {
      throw new IllegalArgumentException(usage + ": two contract addresses, comma-separated, follow the '@'");
    }
    URI rpc;
    try {
      rpc = new URI(s.substring(0, at));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("the RPC URL in \"" + spec + "\" is not a URL: " + e.getMessage());
    }
    return new EvmDeployment(rpc, addresses[0].strip(), addresses[1].strip());
  }

  /** This deployment as a spec that {@link #parse} reads back. */
  public String spec() {
    return SCHEME + rpc + "@" + serviceRegistry + "," + serverRegistry;
  }

  private static String address(String what, String a) {
    if (a == null || !ADDRESS.matcher(a).matches()) {
      throw new IllegalArgumentException("the " + what + " address must be 0x and 40 hex digits, got \"" + a + "\"");
    }
    return Keys.toChecksumAddress(a);
  }

  @Override
  public String toString() {
    return spec();
  }
}
