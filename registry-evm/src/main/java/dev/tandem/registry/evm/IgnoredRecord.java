package dev.tandem.registry.evm;

/**
 * An entry on the chain that every reader ignores, and why: a record that does not parse, whose Ed25519 signature does
 * not verify, or that disagrees with what the contract stored beside it (its id, key, seq or retired state). The
 * contracts cannot check signatures, so anyone may put such an entry on the chain; it never reaches a reader.
 *
 * @param registry {@code "service"} or {@code "server"}
 * @param entry the service id or server key the entry was stored under
 * @param field the record's offending field ({@code sig}, {@code seq}, {@code record}, …)
 * @param problem what is wrong with it
 * @param owner the Ethereum address that put it there
 * @param block the block it is in
 * @param tx the transaction that put it there
 */
public record IgnoredRecord(String registry, String entry, String field, String problem, String owner, long block,
    String tx) {

  /** The reason as one line, as logged. */
  public String reason() {
    return field + ": " + problem;
  }
}
