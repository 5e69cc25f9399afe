package dev.tandem.node.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Connection;

/**
 * Closes a new connection at once when its remote address already holds {@code max} open ones, so one party
 * cannot take every connection (slowloris from one host); other addresses are not affected.
 */
public final class PerAddressLimit implements Connection.Listener {
  private final int max;
  private final Map<InetAddress, AtomicInteger> open = new ConcurrentHashMap<>();
  // The address is kept from opening: once closed, an end point may no longer know its remote address.
  private final Map<Connection, InetAddress> counted = new ConcurrentHashMap<>();
  private final AtomicInteger refused = new AtomicInteger();

  private final TrustedProxies proxies;

  /** @param proxies addresses exempt from the limit: the operator's own reverse proxies, every caller behind them */
  public PerAddressLimit(int max, TrustedProxies proxies) {
    this.max = max;
    this.proxies = proxies;
  }

  @Override
  public void onOpened(Connection connection) {
    InetAddress from = address(connection);
    if (from == null || proxies.trusts(from)) {
      return;
    }
    AtomicInteger n = open.computeIfAbsent(from, k -> new AtomicInteger());
    if (n.incrementAndGet() > max) {
      n.decrementAndGet();
      refused.incrementAndGet();
      connection.getEndPoint().close();
      return;
    }
    counted.put(connection, from);
  }

  @Override
  public void onClosed(Connection connection) {
    InetAddress from = counted.remove(connection);
    if (from == null) {
      return;
    }
    open.computeIfPresent(from, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
  }

  /** Connections closed on opening because their address was at the limit. */
  public int refused() {
    return refused.get();
  }

  private static InetAddress address(Connection connection) {
    SocketAddress a = connection.getEndPoint().getRemoteSocketAddress();
    return a instanceof InetSocketAddress inet ? inet.getAddress() : null;
  }
}
