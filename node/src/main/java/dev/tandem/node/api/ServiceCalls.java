package dev.tandem.node.api;

/**
 * {@code POST /services/{serviceId}} as the HTTP layer (or the simulation's network) sees it: a body in, the answer
 * out; an empty answer means "no content" (only notifications). {@link ServiceEndpoint} is the node's; the
 * {@code garbage} fault wraps it.
 */
@FunctionalInterface
public interface ServiceCalls {
  byte[] handle(String serviceId, byte[] body);
}
