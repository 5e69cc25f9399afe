package dev.tandem.node.reciprocity;

import dev.tandem.core.crypto.PublicKey;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the {@link Planner} decided for one round.
 *
 * @param offers what the node should offer: the operator's choice and the held services, sorted
 * @param held the services run for peers after this round, by service id (feed back as {@link PlanInput#held()})
 * @param added services newly offered for a peer
 * @param withdrawn services no longer offered, and why
 * @param reassigned services still offered but now run for another peer (the one they were run for lost them)
 * @param cannotHonour peers this node owes more than it can add, and why
 */
public record Plan(
    SortedSet<String> offers,
    SortedMap<String, Held> held,
    List<Change> added,
    List<Change> withdrawn,
    List<Change> reassigned,
    List<Shortfall> cannotHonour) {

  public Plan {
    offers = Collections.unmodifiableSortedSet(new TreeSet<>(offers));
    held = Collections.unmodifiableSortedMap(new TreeMap<>(held));
    added = List.copyOf(added);
    withdrawn = List.copyOf(withdrawn);
    reassigned = List.copyOf(reassigned);
    cannotHonour = List.copyOf(cannotHonour);
  }

  /** True when the round added, withdrew or moved nothing. */
  public boolean unchanged() {
    return added.isEmpty() && withdrawn.isEmpty() && reassigned.isEmpty();
  }

  /** Why a service was added, withdrawn or passed over. */
  public enum Reason {
    /** Added because this node owed the peer. */
    OWED("owed"),
    /** The peer stayed in arrears past the grace period. */
    IN_DEFAULT("in default"),
    /** The peer retired or its record is gone. */
    PEER_GONE("peer gone"),
    /** The peer no longer rewards the service, so running it no longer pays anything back. */
    NOT_REWARDED("no longer rewarded"),
    /** The module cannot run here (rejected by the sandbox). */
    CANNOT_RUN("module cannot run"),
    /** No service record with this id is known. */
    UNKNOWN_SERVICE("service record unknown"),
    /** Not enough service slots or memory left. */
    NO_CAPACITY("no capacity");

    private final String text;

    Reason(String text) {
      this.text = text;
    }

    /** How the reason is written in JSON and on the command line. */
    public String text() {
      return text;
    }
  }

  /**
   * One service added, withdrawn or moved.
   *
   * @param service the service id
   * @param peer the peer it was (or is now) run for
   * @param reason why
   * @param detail the numbers behind the reason, for people
   */
  public record Change(String service, PublicKey peer, Reason reason, String detail) {}

  /**
   * A service that could have paid a peer but was passed over.
   *
   * @param service the service id
   * @param reason {@link Reason#NO_CAPACITY}, {@link Reason#CANNOT_RUN} or {@link Reason#UNKNOWN_SERVICE}
   * @param detail the numbers behind the reason
   */
  public record Blocked(String service, Reason reason, String detail) {}

  /**
   * A debt this node cannot pay in full this round.
   *
   * @param peer the creditor
   * @param owed how many services this node owed it when the round came to it
   * @param missing how many of those it could not add
   * @param why a one-line summary
   * @param blocked each service it rewards that this node does not offer, and why it was passed over
   */
  public record Shortfall(PublicKey peer, int owed, int missing, String why, List<Blocked> blocked) {
    public Shortfall {
      blocked = List.copyOf(blocked);
    }
  }
}
