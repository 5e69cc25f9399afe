/**
 * Spreading records between nodes: {@link dev.tandem.registry.gossip.RegistryRpc} answers the registry's JSON-RPC
 * methods ({@code tandem_records}, {@code tandem_recordIndex}, {@code tandem_getRecords},
 * {@code tandem_submitRecord}) and {@link dev.tandem.registry.gossip.Gossip} calls them on peers, pulling the records
 * they lack by cursor and pushing new records to a few peers, so every connected node converges on the same set of
 * current records. Records are validated by the receiving registry like any other submission: gossip relays,
 * it never vouches.
 */
package dev.tandem.registry.gossip;
