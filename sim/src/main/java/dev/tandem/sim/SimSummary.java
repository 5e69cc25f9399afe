package dev.tandem.sim;

/**
 * The outcome of one run. {@link #text()} is the printed summary: a function of the config alone, byte for byte
 * (it holds no wall-clock time), ending with a digest of every call's outcome.
 *
 * @param text            the summary to print
 * @param calls           calls made
 * @param answered        calls that returned a verified answer (a result or the service's own error)
 * @param wrong           answers that differ from the service's real output: must be 0
 * @param liarsThatLied   liars a client saw sign a wrong answer
 * @param liarsConvicted  of those, the ones convicted by a client or a node
 * @param honestConvicted convictions of honest servers, by clients or nodes
 * @param traceDigest     SHA-256 over one line per call (who was asked, what each answered, what was decided)
 */
public record SimSummary(String text, long calls, long answered, long wrong, int liarsThatLied, int liarsConvicted,
    long honestConvicted, String traceDigest) {

  /** No wrong result, no honest server convicted, and every liar that lied convicted. */
  public boolean passed() {
    return wrong == 0 && honestConvicted == 0 && liarsConvicted == liarsThatLied;
  }
}
