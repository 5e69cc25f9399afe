package dev.tandem.node.http;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The key a caller's quotas are kept under: its IPv4 address, or the /64 network of an IPv6 address (one party
 * usually holds a whole /64, so keying by full address would give it billions of quotas).
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
      for (int i = 0; i < 8; i += 2) {
        prefix.append(Integer.toHexString(((raw[i] & 0xff) << 8) | (raw[i + 1] & 0xff))).append(':');
      }
      return prefix.append(":/64").toString();
    } catch (UnknownHostException e) {
      return literal;
    }
  }
}
