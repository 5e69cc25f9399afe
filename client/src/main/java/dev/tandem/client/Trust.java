package dev.tandem.client;

/**
 * How far the signers of one answer can be trusted, in a {@link CallRun}: enough when servers of {@code min} distinct
 * operators sign it and one of them is established (off probation), whenever an established confirmation can be had.
 *
 * @param operators   distinct operators among its signers
 * @param established whether one of them is established (off probation)
 * @param required    whether an established confirmation is required: one is available (an established server
 *                    offers the service, or the client can re-run the request itself, or ask the home server)
 * @param min         the distinct operators the call needs
 */
record Trust(int operators, boolean established, boolean required, int min) {
  boolean enough() {
    return operators >= min && (established || !required);
  }

  /** Whether agreeing with these signers confirms a probationary signer: an established one vouched for it. */
  boolean confirmsOthers() {
    return established && operators >= 2;
  }
}
