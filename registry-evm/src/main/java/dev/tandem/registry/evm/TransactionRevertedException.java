package dev.tandem.registry.evm;

import java.util.List;

/**
 * A registry transaction was refused by the contract. The message reads
 * {@code transaction reverted: NotOwner — address 0x… does not own server ed25519:… (its owner is 0x…)};
 * {@link #error()} is the contract's error name ({@code NotOwner}, {@code StaleSeq}, …, or {@code Error} for a plain
 * reason string) and {@link #arguments()} its decoded arguments.
 *
 * <p>Most reverts are caught before anything is sent, when the transaction's gas is estimated, so they cost nothing.
 */
public final class TransactionRevertedException extends EvmException {
  private final String error;
  private final List<Object> arguments;

  TransactionRevertedException(String error, List<Object> arguments, String explanation) {
    super("transaction reverted: " + error + " — " + explanation);
    this.error = error;
    this.arguments = List.copyOf(arguments);
  }

  /** The contract's error name, e.g. {@code NotOwner}. */
  public String error() {
    return error;
  }

  /** The error's arguments: strings, checksummed addresses ({@code 0x…}) and numbers (BigInteger), in order. */
  public List<Object> arguments() {
    return arguments;
  }
}
