package dev.tandem.node.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.node.Node;
import java.util.Map;

/**
 * The parts of the dashboard that come from the node's score keeper and reciprocity planner, kept apart from
 * {@link DashboardData} so that the document's shape does not depend on how those parts are built.
 */
final class DashboardSources {
  private DashboardSources() {}

  /** Each server's score (0–100) as this node sees it; servers it has no opinion of are absent. */
  static Map<PublicKey, Integer> scores(Node node) {
    return Map.of();
  }

  /** The reciprocity report of this node (what it owes and is owed), or null when there is none. */
  static JsonNode reciprocity(Node node) {
    return null;
  }
}
