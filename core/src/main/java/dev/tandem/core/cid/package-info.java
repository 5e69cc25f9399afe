/**
 * Content identifiers: CIDv0/CIDv1 with sha2-256 multihashes, their multibase text forms (base32 lower and
 * base58btc), and the CIDs that Kubo's {@code ipfs add} assigns to a file (UnixFS over dag-pb).
 *
 * <p>Written from the specifications (multiformats CID, multibase, unsigned-varint, multihash; dag-pb and UnixFS
 * protobuf schemas) rather than taken from a library, because the code is small and the behaviour must match Kubo
 * byte for byte.
 */
package dev.tandem.core.cid;
