package dev.tandem.client;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The test JVM's name resolution (installed through {@code META-INF/services}): names under {@value #DOMAIN} behave as
 * a domain whose name server does not answer, hanging until a test lets them go and then unknown; every other name
 * goes to the JDK's own resolver. So a test reaches a stalled lookup through the real path, {@code PeerPolicy} and
 * {@code InetAddress}, with nothing in the code under test made to be replaced.
 */
public final class StallingNameServer extends InetAddressResolverProvider {
  public static final String DOMAIN = ".stalls.test";
  /** However a test ends, a lookup gives up after this, so a failed test cannot hang the whole run. */
  private static final long MAX_STALL_SECONDS = 60;
  private static final Map<String, Lookup> STALLED = new ConcurrentHashMap<>();

  /** One host whose lookups hang until {@link #release}. */
  public static final class Lookup {
    private final CountDownLatch asked = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    /** Whether a lookup of the host began within {@code seconds}. */
    public boolean awaitAsked(long seconds) throws InterruptedException {
      return asked.await(seconds, TimeUnit.SECONDS);
    }

    /** Lets every lookup of the host, now and later, end: unknown. */
    public void release() {
      released.countDown();
    }
  }

  /** A fresh host under {@value #DOMAIN} whose lookups hang (fresh, as the JDK and the peer policy cache results). */
  public static String stalledHost(String label, Lookup lookup) {
    String host = label + "-" + Long.toHexString(System.nanoTime()) + DOMAIN;
    STALLED.put(host, lookup);
    return host;
  }

  @Override
  public InetAddressResolver get(Configuration configuration) {
    InetAddressResolver builtin = configuration.builtinResolver();
    return new InetAddressResolver() {
      @Override
      public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
        if (!host.endsWith(DOMAIN)) {
          return builtin.lookupByName(host, policy);
        }
        Lookup lookup = STALLED.get(host);
        if (lookup != null) {
          lookup.asked.countDown();
          try {
            lookup.released.await(MAX_STALL_SECONDS, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        throw new UnknownHostException(host + ": the name server did not answer");
      }

      @Override
      public String lookupByAddress(byte[] addr) throws UnknownHostException {
        return builtin.lookupByAddress(addr);
      }
    };
  }

  @Override
  public String name() {
    return "stalling name server for tests";
  }
}
