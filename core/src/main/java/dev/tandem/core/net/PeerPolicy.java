package dev.tandem.core.net;

import java.net.URI;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which addresses learned from records a node contacts (peers named by its operator always are). By default
 * ({@code auto}) a node contacts addresses of the same reach as its own public URL or wider: a node on a public
 * address contacts only public ones, a node on a private network private and public ones, a node on loopback
 * loopback, private and public ones. Link-local addresses are contacted only under {@code any}.
 *
 * @param name the policy as the operator named it ({@code auto} resolved: public, private, loopback or any)
 * @param allowed the reaches contacted
 */
public record PeerPolicy(String name, Set<Reach> allowed) {
  /** Names are resolved again after this long, so a name moved to another address is judged anew. */
  private static final long CACHE_NANOS = 60_000_000_000L;
  /** {@code Reach.values()}, which makes a new array on every call. */
  private static final Reach[] REACHES = Reach.values();
  private static final Map<String, long[]> CACHE = new ConcurrentHashMap<>();

  public PeerPolicy {
    allowed = Set.copyOf(allowed);
  }

  /** Everything: for tests and closed networks. */
  public static final PeerPolicy ANY = new PeerPolicy("any", EnumSet.of(Reach.LOOPBACK, Reach.LINK_LOCAL,
      Reach.PRIVATE, Reach.PUBLIC));

  /**
   * Checks a {@code --peer-policy} value: auto, public, private, loopback or any.
   *
   * @throws IllegalArgumentException naming the flag
   */
  public static String parse(String name) {
    String n = name == null ? "auto" : name.toLowerCase(Locale.ROOT);
    if (!Set.of("auto", "public", "private", "loopback", "any").contains(n)) {
      throw new IllegalArgumentException("--peer-policy must be auto, public, private, loopback or any, got '"
          + name + "'");
    }
    return n;
  }

  /** The policy named {@code name} for a node whose public URL is {@code self} ({@code auto} looks at it). */
  public static PeerPolicy of(String name, URI self) {
    String n = parse(name);
    if (n.equals("auto")) {
      n = switch (Reach.ofHost(self.getHost())) {
        case LOOPBACK -> "loopback";
        case PRIVATE, LINK_LOCAL -> "private";
        case PUBLIC, UNUSABLE -> "public";
      };
    }
    return switch (n) {
      case "public" -> new PeerPolicy(n, EnumSet.of(Reach.PUBLIC));
      case "private" -> new PeerPolicy(n, EnumSet.of(Reach.PRIVATE, Reach.PUBLIC));
      case "loopback" -> new PeerPolicy(n, EnumSet.of(Reach.LOOPBACK, Reach.PRIVATE, Reach.PUBLIC));
      default -> ANY;
    };
  }

  /**
   * The policy named {@code name} for a client that reaches the network through {@code nodes}: {@code auto} takes
   * the reach of the most local of them, so a client bootstrapped from a public node contacts only public addresses
   * (a record cannot aim it at this machine or its network) and one bootstrapped from a node on loopback contacts
   * loopback, private and public ones; with no node to judge by, {@code auto} is {@link #ANY}.
   */
  public static PeerPolicy nearest(String name, java.util.List<URI> nodes) {
    if (!parse(name).equals("auto")) {
      return of(name, null);
    }
    return nodes.stream().filter(u -> u.getHost() != null)
        .min(java.util.Comparator.comparing(u -> Reach.ofHost(u.getHost()))).map(u -> of("auto", u)).orElse(ANY);
  }

  /** Whether this node contacts {@code url}. */
  public boolean allows(URI url) {
    if (url == null || url.getHost() == null) {
      return false;
    }
    if (this.equals(ANY)) {
      return true;
    }
    return allowed.contains(reach(url.getHost()));
  }

  private static Reach reach(String host) {
    long now = System.nanoTime();
    long[] cached = CACHE.get(host);
    if (cached != null && now - cached[1] < CACHE_NANOS) {
      return REACHES[(int) cached[0]];
    }
    Reach r = Reach.ofHost(host);
    if (CACHE.size() > 10_000) {
      CACHE.clear(); // learned hosts are capped elsewhere; this only keeps a flood from growing the map
    }
    CACHE.put(host, new long[] {r.ordinal(), now});
    return r;
  }
}
