package dev.tandem.node.http;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The key a caller's quotas are kept under: its IPv4 address, or the /48 network of an IPv6 address. One party
 * usually holds a whole /64, and often a /56 or the /48 a site is given: keyed by full address it would have billions
 * of quotas, by /64 still 65,536. Callers of one ISP that hands out smaller prefixes from one /48 share a quota; the
 * quotas keyed so (evidence) are ones an honest caller seldom touches.
 */
public final class CallerAddress {
  private CallerAddress() {}

  /** The quota key of a remote address as the server reports it (a literal, perhaps in brackets); null stays null. */
  public static String of(String remoteAddress) {
    if (remoteAddress == null || remoteAddress.isEmpty()) {
      return null;
    }
    String literal = remoteAddress.startsWith("[") && remoteAddress.endsWith("]")
        ? remoteAddress.substring(1, remoteAddress.length() - 1) : remoteAddress;
    if (!literal.contains(":")) {
      return literal;
    }
    try {
      byte[] raw = InetAddress.getByName(literal).getAddress(); // a literal: no lookup is made
      if (raw.length != 16) {
        return InetAddress.getByAddress(raw).getHostAddress();
      }
      StringBuilder prefix = new StringBuilder();
      for (int i = 0; i < 6; i += 2) {
        prefix.append(Integer.toHexString(((raw[i] & 0xff) << 8) | (raw[i + 1] & 0xff))).append(':');
      }
      return prefix.append(":/48").toString();
    } catch (UnknownHostException e) {
      return literal;
    }
  }
}
