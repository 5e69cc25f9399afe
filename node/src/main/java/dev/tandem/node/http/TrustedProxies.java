package dev.tandem.node.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The reverse proxies (a TLS terminator, a load balancer) the operator put in front of the node ({@code
 * --trusted-proxy ADDRESS[/BITS]}). Behind one, every request comes from the proxy's address: the quotas kept per
 * address would be one quota for every caller, and the per-address connection limit would cap the proxy itself. So a
 * trusted proxy is exempt from the connection limit, and a request it forwards is keyed by the address it names in
 * {@code X-Forwarded-For}. Only the entries the operator's own proxies appended are believed: the rightmost address
 * that is not a trusted proxy is the caller, since anything to its left the caller wrote itself.
 */
public final class TrustedProxies {
  /** No proxy: every request is keyed by the address it came from. */
  public static final TrustedProxies NONE = new TrustedProxies(List.of());

  private record Range(byte[] prefix, int bits) {
    boolean contains(byte[] address) {
      if (address.length != prefix.length) {
        return false;
      }
      int whole = bits / 8;
      for (int i = 0; i < whole; i++) {
        if (address[i] != prefix[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xff << (8 - rest) & 0xff;
      return (address[whole] & mask) == (prefix[whole] & mask);
    }
  }

  private final List<Range> ranges;

  private TrustedProxies(List<Range> ranges) {
    this.ranges = ranges;
  }

  /**
   * The proxies {@code entries} name: IP literals, or networks as {@code ADDRESS/BITS}.
   *
   * @throws IllegalArgumentException naming the flag and the entry that is neither
   */
  public static TrustedProxies of(List<String> entries) {
    List<Range> out = new ArrayList<>();
    for (String entry : entries) {
      String e = entry.trim();
      int slash = e.indexOf('/');
      byte[] address = literal(slash < 0 ? e : e.substring(0, slash));
      int bits = address == null ? -1 : address.length * 8;
      if (address != null && slash >= 0) {
        try {
          bits = Integer.parseInt(e.substring(slash + 1));
        } catch (NumberFormatException x) {
          bits = -1;
        }
      }
      if (address == null || bits < 0 || bits > address.length * 8) {
        throw new IllegalArgumentException("--trusted-proxy must be an IP address or ADDRESS/BITS, got '" + entry
            + "'");
      }
      out.add(new Range(address, bits));
    }
    return new TrustedProxies(List.copyOf(out));
  }

  /** Whether {@code address} (an IP literal, perhaps in brackets) is one of the proxies. */
  public boolean trusts(String address) {
    byte[] raw = literal(address);
    return raw != null && trusts(raw);
  }

  boolean trusts(InetAddress address) {
    return trusts(address.getAddress());
  }

  private boolean trusts(byte[] raw) {
    for (Range r : ranges) {
      if (r.contains(raw)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The address a request came from: {@code remote}, or when that is a trusted proxy the rightmost address in
   * {@code forwardedFor} that is not one (the proxy's own when the header names none, or names garbage there).
   */
  public String caller(String remote, String forwardedFor) {
    if (ranges.isEmpty() || forwardedFor == null || !trusts(remote)) {
      return remote;
    }
    String[] hops = forwardedFor.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (literal(hop) == null) {
        return remote; // not an address: the chain cannot be followed past it
      }
      if (!trusts(hop)) {
        return hop;
      }
    }
    return remote;
  }

  /** The bytes of an IP literal (IPv4, or IPv6 perhaps in brackets), or null for anything else: never a lookup. */
  private static byte[] literal(String s) {
    String t = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    boolean v4 = t.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    boolean v6 = t.contains(":") && t.matches("[0-9a-fA-F:.%a-zA-Z0-9]+");
    if (!v4 && !v6) {
      return null;
    }
    try {
      return InetAddress.getByName(t).getAddress(); // a literal: parsed, not resolved
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
