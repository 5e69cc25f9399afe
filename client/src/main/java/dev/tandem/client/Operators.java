package dev.tandem.client;

import dev.tandem.core.record.ServerRecord;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who operates a server, as far as a client can tell: a fresh key costs nothing, so many keys may be one party.
 * Servers on the same host (same IP address or host name, as their URL names it) count as one operator, and on the
 * EVM registry so do servers whose entries one Ethereum address holds. Confirmations of an answer count only from
 * distinct operators. On loopback addresses distinct ports count as distinct operators, so that a network of local
 * processes still works.
 */
final class Operators {
  private Operators() {}

  /**
   * The operator of {@code server}: {@code eth:0x…} when the registry names the address holding its entry, else its
   * host (with the port on loopback).
   */
  static String of(ServerRecord server, Optional<String> registryOperator) {
    if (registryOperator.isPresent()) {
      return registryOperator.get();
    }
    return host(server.url());
  }

  /**
   * Hosts worked out before, by URL: a call's draw asks for the operator of every candidate (a couple of hundred for
   * a popular service), and lower-casing and classifying each host every time was most of the draw. Bounded by
   * clearing it when full. Keyed by the URL's text, whose hash the string keeps: equal URIs read from different
   * records would otherwise be compared part by part.
   */
  private static final Map<String, String> HOSTS = new ConcurrentHashMap<>();
  private static final int MAX_HOSTS = 1 << 16;

  /** The operator a URL names: its host in lower case, with the port when the host is a loopback address. */
  static String host(URI url) {
    String text = url.toString();
    String known = HOSTS.get(text);
    if (known != null) {
      return known;
    }
    String host = hostOf(url);
    if (HOSTS.size() >= MAX_HOSTS) {
      HOSTS.clear();
    }
    HOSTS.put(text, host);
    return host;
  }

  private static String hostOf(URI url) {
    String host = url.getHost() == null ? String.valueOf(url) : url.getHost().toLowerCase(Locale.ROOT);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return loopback(host) ? host + ":" + port(url) : host;
  }

  private static int port(URI url) {
    if (url.getPort() >= 0) {
      return url.getPort();
    }
    return "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
  }

  private static boolean loopback(String host) {
    if (host.equals("localhost") || host.endsWith(".localhost")) {
      return true;
    }
    // Only literal addresses are looked at: no name is resolved on a call's path.
    return (host.startsWith("127.") && host.chars().allMatch(c -> c == '.' || Character.isDigit(c)))
        || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1");
  }
}
