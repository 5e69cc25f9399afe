package dev.tandem.node.evidence;

import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.Evidence;
import dev.tandem.node.observe.Activity;
import dev.tandem.node.store.EvidenceTable;
import java.util.ArrayList;
import java.util.List;

/**
 * The conflicts and convictions stored in {@code node.db}, put back into {@link Activity} when a node starts, so its
 * dashboard shows after a restart (or a kill) why its scores hold a server blacklisted.
 */
final class StoredActivity {
  private StoredActivity() {}

  /** Puts the last {@code limit} judged items and convictions of {@code table} into {@code activity}, oldest first. */
  static void restore(EvidenceTable table, Activity activity, int limit) {
    for (EvidenceTable.StoredItem item : table.recent(limit)) {
      Evidence e = parse(item.json());
      if (e != null) { // an unreadable row is left for the evidence feed to serve as it is
        activity.conflict(new Activity.Conflict(item.atMillis(), e.service(), e.request().requestHash(),
            e.attestations().stream().map(a -> a.server().toString()).distinct().toList(), "evidence"));
      }
    }
    for (EvidenceTable.StoredConviction c : table.recentConvictions(limit)) {
      activity.conviction(new Activity.Conviction(c.atMillis(), c.server(), c.service(), c.requestHash(),
          reason(c.server(), c.evidenceJson())));
    }
  }

  /** Why {@code liar} was convicted, from the evidence stored with the conviction. */
  private static String reason(String liar, String json) {
    Evidence e = json == null ? null : parse(json);
    if (e == null) {
      return "signed a wrong answer (re-run here)";
    }
    List<String> lied = new ArrayList<>();
    List<String> others = new ArrayList<>();
    for (Attestation a : e.attestations()) {
      (a.server().toString().equals(liar) ? lied : others).add(a.responseHash().substring(0, 12));
    }
    others.removeAll(lied);
    return "signed response " + (lied.isEmpty() ? "?" : lied.get(0)) + " but a re-run "
        + (others.isEmpty() ? "disagrees" : "gives " + others.get(0));
  }

  private static Evidence parse(String json) {
    try {
      return Evidence.fromJson(Json.parse(json));
    } catch (JsonFormatException | RuntimeException e) {
      return null;
    }
  }
}
