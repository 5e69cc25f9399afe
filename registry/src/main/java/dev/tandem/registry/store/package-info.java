/**
 * The embedded registry backend: signed records in SQLite (WAL, {@code synchronous=FULL}), validated before they are
 * stored, served from an in-memory snapshot, and ordered by an ever-growing sequence number that gossip uses as a
 * cursor.
 */
package dev.tandem.registry.store;
