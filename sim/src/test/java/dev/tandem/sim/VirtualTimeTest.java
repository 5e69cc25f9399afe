package dev.tandem.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.client.CallClock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Events run in time order, ties in the order they were scheduled; waiting runs them and moves time. */
class VirtualTimeTest {
  @Test
  void eventsRunInTimeThenSchedulingOrder() {
    VirtualTime time = new VirtualTime();
    List<String> ran = new ArrayList<>();
    time.after(20, () -> ran.add("b"));
    time.after(10, () -> ran.add("a"));
    time.after(20, () -> ran.add("c"));
    time.after(10, () -> time.after(0, () -> ran.add("a2")));
    time.runUntil(100);
    assertThat(ran).containsExactly("a", "a2", "b", "c");
    assertThat(time.nanoTime()).isEqualTo(100);
  }

  @Test
  void aWaitRunsEventsUntilAnItemArrivesOrItsTimeIsUp() throws Exception {
    VirtualTime time = new VirtualTime();
    CallClock.Inbox<String> inbox = time.inbox();
    time.after(50, () -> inbox.put("answer"));
    assertThat(inbox.poll(10)).isNull();
    assertThat(time.nanoTime()).isEqualTo(10);
    assertThat(inbox.poll(1_000)).isEqualTo("answer");
    assertThat(time.nanoTime()).as("time stops at the arrival").isEqualTo(50);
    assertThat(inbox.poll(0)).isNull();
    assertThat(time.clock().millis()).isEqualTo(VirtualTime.EPOCH.toEpochMilli());
  }
}
