package dev.tandem.client;

import java.net.URI;

/**
 * What one node said when the client sent it evidence.
 *
 * @param node     the node
 * @param accepted whether it answered with a result (it took the evidence)
 * @param message  its result as JSON text, or its error, or why it could not be reached
 */
public record EvidenceDelivery(URI node, boolean accepted, String message) {}
