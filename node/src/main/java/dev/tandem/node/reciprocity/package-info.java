/**
 * Reciprocity: "if you run my service I will run yours" (docs/reciprocity.md).
 *
 * <ul>
 *   <li>{@link dev.tandem.node.reciprocity.Obligations}: who gives and owes whom, from server records alone (pure).
 *   <li>{@link dev.tandem.node.reciprocity.Planner}: which services this node adds or withdraws to pay what it owes,
 *       within its capacity (pure, deterministic, reaches a fixpoint).
 *   <li>{@link dev.tandem.node.reciprocity.Reciprocity}: the stateful driver a node runs; it tracks peers in arrears
 *       through a grace period, applies plans and keeps the last rounds for the report.
 *   <li>{@link dev.tandem.node.reciprocity.Ledger}: usage (calls and fuel per peer and service) and the planner's
 *       state, persisted in SQLite.
 *   <li>{@link dev.tandem.node.reciprocity.ReciprocityReport}: what {@code tandem_reciprocity} answers.
 * </ul>
 */
package dev.tandem.node.reciprocity;
