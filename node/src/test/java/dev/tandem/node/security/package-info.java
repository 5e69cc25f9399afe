/**
 * Security checks against real nodes over HTTP, as an attacker would send them:
 *
 * <ul>
 *   <li>admin methods without the bearer token answer 401: {@code ThreeNodeTest.adminMethodsNeedTheToken};
 *   <li>records replayed from an older seq are refused, directly, by gossip and after a restart: {@link
 *       dev.tandem.node.security.ReplayTest};
 *   <li>evidence with forged signatures is dropped and its sender penalized: {@link
 *       dev.tandem.node.security.ForgedEvidenceTest};
 *   <li>paths outside the module store are refused and never leak file contents: {@link
 *       dev.tandem.node.security.PathTraversalTest}.
 * </ul>
 */
package dev.tandem.node.security;
