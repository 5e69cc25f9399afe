package dev.tandem.node.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.PublicKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of the dashboard that come from the node's score keeper and reciprocity planner, kept apart from
 * {@link DashboardData} so that the document's shape does not depend on how those parts are built.
 */
final class DashboardSources {
  private static final Logger LOG = LoggerFactory.getLogger(DashboardSources.class);

  private DashboardSources() {}

  /**
   * The server's score (0–100) as this node sees it: a server it has not dealt with yet has the starting score. A
   * node does not score itself: null.
   */
  static Integer score(DashboardData.Parts node, PublicKey server) {
    return server.equals(node.self()) ? null : node.scores().score(server).score();
  }

  /** Whether this node has blacklisted the server after convicting it. */
  static boolean blacklisted(DashboardData.Parts node, PublicKey server) {
    return node.scores().blacklisted(server);
  }

  /** What {@code tandem_reciprocity} answers, or null when the planner cannot report (the page then says so). */
  static JsonNode reciprocity(DashboardData.Parts node) {
    try {
      return node.reciprocity().report(null).toJson();
    } catch (RuntimeException e) {
      LOG.debug("no reciprocity report for the dashboard", e);
      return null;
    }
  }
}
