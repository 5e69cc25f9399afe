package dev.tandem.core.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * How far an address reaches: this machine, this link, a private network, or the public internet. A node contacts
 * only addresses its {@link PeerPolicy} allows, so a record cannot point it at its own loopback services, the LAN
 * behind it or a cloud metadata endpoint.
 */
public enum Reach {
  /** 127.0.0.0/8, ::1. */
  LOOPBACK,
  /** 169.254.0.0/16, fe80::/10: cloud metadata endpoints live here. */
  LINK_LOCAL,
  /** 10/8, 172.16/12, 192.168/16, 100.64/10 (carrier-grade NAT), fc00::/7, fec0::/10. */
  PRIVATE,
  /** Everything else that can be contacted. */
  PUBLIC,
  /** Nothing to contact: wildcard, multicast, 0.0.0.0/8, or a name that does not resolve. */
  UNUSABLE;

  /** The reach of one address. */
  public static Reach of(InetAddress a) {
    if (a.isLoopbackAddress()) {
      return LOOPBACK;
    }
    if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
      return UNUSABLE;
    }
    if (a.isLinkLocalAddress()) {
      return LINK_LOCAL;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      if (first == 0 || first >= 240) {
        return UNUSABLE;
      }
      if (first == 10 || (first == 172 && second >= 16 && second < 32) || (first == 192 && second == 168)
          || (first == 100 && second >= 64 && second < 128)) {
        return PRIVATE;
      }
      return PUBLIC;
    }
    if (a instanceof Inet6Address && ((b[0] & 0xfe) == 0xfc || a.isSiteLocalAddress())) {
      return PRIVATE;
    }
    return PUBLIC;
  }

  /**
   * Whether {@code host} is an address written out (IPv4 dotted, or IPv6, perhaps in brackets): its reach is known
   * without a lookup, where a name's waits on a name server, which whoever registered the name controls.
   */
  public static boolean isLiteral(String host) {
    if (host == null) {
      return false;
    }
    return host.contains(":") || host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
  }

  /**
   * The reach of a host: a literal address directly; a name by every address it resolves to, the most local one
   * counting (a name that resolves to a public and a loopback address is loopback).
   * An unusable address among them makes the whole name unusable.
   */
  public static Reach ofHost(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    try {
      Reach worst = null;
      for (InetAddress a : InetAddress.getAllByName(h)) {
        Reach r = of(a);
        if (r == UNUSABLE) {
          return UNUSABLE; // 0.0.0.0 reaches this machine on some systems: never guess
        }
        worst = worst == null || r.compareTo(worst) < 0 ? r : worst;
      }
      return worst == null ? UNUSABLE : worst;
    } catch (UnknownHostException | SecurityException e) {
      return UNUSABLE;
    }
  }
}
