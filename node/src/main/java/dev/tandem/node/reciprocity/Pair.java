package dev.tandem.node.reciprocity;

import dev.tandem.core.crypto.PublicKey;
import java.util.List;

/**
 * The reciprocity between two servers X and Y, seen from X.
 *
 * @param x the server this pair is seen from
 * @param y the other server
 * @param giveXToY {@code |offers(X) ∩ rewards(Y)|}: how many of the services Y rewards X runs
 * @param giveYToX {@code |offers(Y) ∩ rewards(X)|}: how many of the services X rewards Y runs
 * @param xOwesY {@code max(0, giveYToX − giveXToY)}: services from {@code rewards(Y)} X should add
 * @param yOwesX {@code max(0, giveXToY − giveYToX)}: services from {@code rewards(X)} Y should add
 * @param xOffersOfYRewards which of {@code rewards(Y)} X already offers, sorted (its size is {@code giveXToY})
 * @param status balanced or owed; {@link Status#IN_DEFAULT} is only set by {@link Reciprocity}, because it depends on
 *     how long a debt has lasted, which records alone do not say
 */
public record Pair(
    PublicKey x,
    PublicKey y,
    int giveXToY,
    int giveYToX,
    int xOwesY,
    int yOwesX,
    List<String> xOffersOfYRewards,
    Status status) {

  /** Where a pair stands. */
  public enum Status {
    /** Neither owes the other. */
    BALANCED("balanced"),
    /** One of the two owes the other ({@link #xOwesY} and {@link #yOwesX} say who). */
    OWED("owed"),
    /** The other side has owed this node past the grace period and lost (or is losing) what was run for it. */
    IN_DEFAULT("in default");

    private final String text;

    Status(String text) {
      this.text = text;
    }

    /** How the status is written in JSON and on the command line. */
    public String text() {
      return text;
    }
  }

  public Pair {
    xOffersOfYRewards = List.copyOf(xOffersOfYRewards);
  }

  /** This pair marked in default. */
  public Pair inDefault() {
    return new Pair(x, y, giveXToY, giveYToX, xOwesY, yOwesX, xOffersOfYRewards, Status.IN_DEFAULT);
  }
}
