package dev.tandem.node.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** One conflict or conviction reported many times (by the client, by forwarding nodes, by feeds) is kept once. */
class ActivityTest {
  @Test
  void aConflictIsKeptOncePerRequestWithTheServersOfEveryReport() {
    Activity activity = new Activity();
    activity.conflict(new Activity.Conflict(1, "svc", "r1", List.of("a", "d"), "evidence"));
    activity.conflict(new Activity.Conflict(2, "svc", "r2", List.of("b", "d"), "evidence"));
    activity.conflict(new Activity.Conflict(3, "svc", "r1", List.of("a", "d"), "evidence"));
    activity.conflict(new Activity.Conflict(4, "svc", "r1", List.of("c", "d"), "evidence"));
    activity.conflict(new Activity.Conflict(5, "other", "r1", List.of("a", "d"), "evidence"));

    assertThat(activity.conflicts()).extracting(c -> c.service() + "/" + c.requestHash())
        .containsExactly("other/r1", "svc/r2", "svc/r1");
    Activity.Conflict r1 = activity.conflicts().get(2);
    assertThat(r1.servers()).containsExactly("a", "d", "c");
    assertThat(r1.atMillis()).isEqualTo(1);
  }

  @Test
  void aConvictionIsKeptOncePerServerAndRequest() {
    Activity activity = new Activity();
    activity.conviction(new Activity.Conviction(1, "d", "svc", "r1", "re-run here"));
    activity.conviction(new Activity.Conviction(2, "d", "svc", "r1", "re-run here (pulled from a peer)"));
    activity.conviction(new Activity.Conviction(3, "e", "svc", "r1", "re-run here"));
    activity.conviction(new Activity.Conviction(4, "d", "svc", "r2", "re-run here"));

    assertThat(activity.convictions()).extracting(c -> c.server() + "/" + c.requestHash())
        .containsExactly("d/r2", "e/r1", "d/r1");
    assertThat(activity.convictions().get(2).atMillis()).isEqualTo(1);
  }

  @Test
  void onlyTheLastHundredOfEachAreKept() {
    Activity activity = new Activity();
    for (int i = 0; i < Activity.KEEP + 20; i++) {
      activity.conflict(new Activity.Conflict(i, "svc", "r" + i, List.of("a", "b"), "evidence"));
    }
    assertThat(activity.conflicts()).hasSize(Activity.KEEP);
    assertThat(activity.conflicts().get(0).requestHash()).isEqualTo("r" + (Activity.KEEP + 19));
  }
}
