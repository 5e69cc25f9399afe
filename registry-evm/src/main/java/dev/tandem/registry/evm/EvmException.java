package dev.tandem.registry.evm;

/**
 * The chain could not do what the registry asked: the node is unreachable or answered with an error, the addresses do
 * not hold Tandem's contracts, or a transaction failed. The message says which and where.
 */
public class EvmException extends RuntimeException {
  public EvmException(String message) {
    super(message);
  }

  public EvmException(String message, Throwable cause) {
    super(message, cause);
  }
}
