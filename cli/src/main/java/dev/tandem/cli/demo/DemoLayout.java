package dev.tandem.cli.demo;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Who offers and rewards what at the start of the demo: the picture of the design notes ("Decentralizing central
 * services"), with servers A, B, C… mapped onto the nodes.
 *
 * <pre>
 *   A offers matrix, search    rewards matrix
 *   B offers whisper           rewards matrix
 *   C offers whisper           rewards whisper
 *   D, E, … (more of the cloud) offer every service and reward search
 * </pre>
 *
 * The last {@code liars} servers lie. A liar offers every service, as a cheater wants to be asked as often as
 * possible. Reciprocity ("if you run my service I will run yours") then makes the honest servers run what they owe,
 * which gives every service more than one honest server.
 *
 * @param servers one entry per node, in order A, B, C…
 */
public record DemoLayout(List<Server> servers) {

  /** The services of the picture, by the names they are registered under. */
  public static final String MATRIX = "matrix";
  public static final String SEARCH = "search";
  public static final String WHISPER = "whisper";
  public static final List<String> SERVICES = List.of(MATRIX, SEARCH, WHISPER);

  /** One server of the picture: its letter, what it offers and rewards (service names), whether it lies. */
  public record Server(String letter, Set<String> offers, Set<String> rewards, boolean liar) {
    public Server {
      offers = Set.copyOf(offers);
      rewards = Set.copyOf(rewards);
    }
  }

  public DemoLayout {
    servers = List.copyOf(servers);
  }

  /**
   * The layout for {@code nodes} servers of which the last {@code liars} lie.
   *
   * @throws IllegalArgumentException unless 3 ≤ nodes ≤ 26 and the honest servers outnumber the liars: a call asks
   *     {@link #minRequests()} servers so that at least one honest server is among them, and once the liars are
   *     caught the honest servers alone must still be that many
   */
  public static DemoLayout of(int nodes, int liars) {
    if (nodes < 3 || nodes > 26) {
      throw new IllegalArgumentException("--nodes must be 3 to 26 (the picture has servers A, B and C), got " + nodes);
    }
    if (liars < 0 || liars > (nodes - 1) / 2) {
      throw new IllegalArgumentException("--liars must be 0 to " + (nodes - 1) / 2 + " with " + nodes
          + " nodes (honest servers must outnumber liars), got " + liars);
    }
    List<Server> out = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      String letter = String.valueOf((char) ('A' + i));
      boolean liar = i >= nodes - liars;
      Set<String> offers = new LinkedHashSet<>();
      Set<String> rewards = new LinkedHashSet<>();
      switch (i) {
        case 0 -> {
          offers.addAll(List.of(MATRIX, SEARCH));
          rewards.add(MATRIX);
        }
        case 1 -> {
          offers.add(WHISPER);
          rewards.add(MATRIX);
        }
        case 2 -> {
          offers.add(WHISPER);
          rewards.add(WHISPER);
        }
        default -> {
          offers.addAll(SERVICES);
          rewards.add(SEARCH);
        }
      }
      if (liar) {
        offers.addAll(SERVICES);
      }
      out.add(new Server(letter, offers, rewards, liar));
    }
    return new DemoLayout(out);
  }

  public int liars() {
    return (int) servers.stream().filter(Server::liar).count();
  }

  /**
   * Servers a client asks per call: one more than there are liars (and at least the two that {@code builtin:equal}
   * needs), so colluding liars, which all sign the same wrong answer, are never all that is asked.
   */
  public int minRequests() {
    return Math.max(2, liars() + 1);
  }

  /** The honest servers offering {@code service}. */
  public List<Server> honestOffering(String service) {
    return servers.stream().filter(s -> !s.liar() && s.offers().contains(service)).toList();
  }
}
