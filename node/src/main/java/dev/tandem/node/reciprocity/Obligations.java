package dev.tandem.node.reciprocity;

import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who owes whom under "if you run my service I will run yours" (docs/reciprocity.md), from server records alone: for
 * servers X and Y, {@code give(Y→X) = |offers(Y) ∩ rewards(X)|}, and X owes Y {@code max(0, give(Y→X) − give(X→Y))}
 * services from {@code rewards(Y)}.
 *
 * <p>Pure and deterministic: the same records give the same pairs in the same order (by key), whatever order the
 * records came in. Retired records are left out; of two records for one key, the higher {@code seq} counts.
 */
public final class Obligations {

  /** What one server offers and what it rewards. */
  public record Sides(SortedSet<String> offers, SortedSet<String> rewards) {
    public Sides {
      offers = Collections.unmodifiableSortedSet(new TreeSet<>(offers));
      rewards = Collections.unmodifiableSortedSet(new TreeSet<>(rewards));
    }

    public static Sides of(Collection<String> offers, Collection<String> rewards) {
      return new Sides(new TreeSet<>(offers), new TreeSet<>(rewards));
    }
  }

  private final TreeMap<PublicKey, Sides> servers;

  private Obligations(TreeMap<PublicKey, Sides> servers) {
    this.servers = servers;
  }

  /** The obligations among the current, non-retired records. */
  public static Obligations of(Collection<ServerRecord> records) {
    Map<PublicKey, ServerRecord> newest = new HashMap<>();
    for (ServerRecord r : records) {
      newest.merge(r.key(), r, (a, b) -> a.seq() >= b.seq() ? a : b);
    }
    TreeMap<PublicKey, Sides> sides = new TreeMap<>();
    newest.values().stream().filter(r -> !r.retired())
        .forEach(r -> sides.put(r.key(), Sides.of(r.offers(), r.rewards())));
    return new Obligations(sides);
  }

  /** The obligations among servers given directly by what they offer and reward. */
  public static Obligations of(Map<PublicKey, Sides> servers) {
    return new Obligations(new TreeMap<>(servers));
  }

  /**
   * A copy in which {@code key} offers and rewards {@code sides} (added if absent): how things will stand once a node
   * publishes what it intends, before its record has gone out.
   */
  public Obligations with(PublicKey key, Sides sides) {
    TreeMap<PublicKey, Sides> copy = new TreeMap<>(servers);
    copy.put(key, sides);
    return new Obligations(copy);
  }

  /** Every server, by key. */
  public SortedSet<PublicKey> servers() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(servers.keySet()));
  }

  public boolean contains(PublicKey key) {
    return servers.containsKey(key);
  }

  /** What {@code key} offers and rewards. */
  public Sides sides(PublicKey key) {
    Sides s = servers.get(key);
    if (s == null) {
      throw new NoSuchElementException("no current record for " + key);
    }
    return s;
  }

  /** {@code give(from→to) = |offers(from) ∩ rewards(to)|}. */
  public int give(PublicKey from, PublicKey to) {
    return intersection(sides(from).offers(), sides(to).rewards()).size();
  }

  /** How many services from {@code rewards(creditor)} the debtor should add: never negative. */
  public int owes(PublicKey debtor, PublicKey creditor) {
    return Math.max(0, give(creditor, debtor) - give(debtor, creditor));
  }

  /** The pair (x, y) seen from x. */
  public Pair pair(PublicKey x, PublicKey y) {
    if (x.equals(y)) {
      throw new IllegalArgumentException("a server has no obligations to itself");
    }
    List<String> xForY = intersection(sides(x).offers(), sides(y).rewards());
    int giveXToY = xForY.size();
    int giveYToX = give(y, x);
    int xOwesY = Math.max(0, giveYToX - giveXToY);
    int yOwesX = Math.max(0, giveXToY - giveYToX);
    Pair.Status status = xOwesY == 0 && yOwesX == 0 ? Pair.Status.BALANCED : Pair.Status.OWED;
    return new Pair(x, y, giveXToY, giveYToX, xOwesY, yOwesX, xForY, status);
  }

  /** x with every other server, by the other's key. */
  public List<Pair> pairsOf(PublicKey x) {
    sides(x);
    List<Pair> out = new ArrayList<>();
    for (PublicKey y : servers.keySet()) {
      if (!y.equals(x)) {
        out.add(pair(x, y));
      }
    }
    return out;
  }

  /** Every ordered pair (x, y) with x ≠ y, by x then y. */
  public List<Pair> pairs() {
    List<Pair> out = new ArrayList<>();
    for (PublicKey x : servers.keySet()) {
      out.addAll(pairsOf(x));
    }
    return out;
  }

  private static List<String> intersection(Set<String> a, Set<String> b) {
    Set<String> small = a.size() <= b.size() ? a : b;
    Set<String> large = small == a ? b : a;
    List<String> out = new ArrayList<>();
    for (String s : small) {
      if (large.contains(s)) {
        out.add(s);
      }
    }
    return out; // sorted: small is a sorted set
  }
}
