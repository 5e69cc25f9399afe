package dev.tandem.core.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Reading a peer's paged log: a page that holds more items than the reader ever asks for is refused whole, before any
 * item of it is taken (an honest peer never sends more than asked; a page of millions would otherwise all be taken,
 * checked and stored before the budget between pages applies).
 */
class LogFollowerTest {
  private final LogFollower follower = new LogFollower("tandem_records", "records", 10, 3);

  private static ObjectNode page(int items, long next, boolean more) {
    ObjectNode page = Json.object();
    ArrayNode list = page.putArray("records");
    for (int i = 0; i < items; i++) {
      list.add(i);
    }
    return page.put("next", next).put("more", more).put("log", "l");
  }

  @Test
  void pagesWithinTheLimitAreTaken() throws Exception {
    List<Integer> taken = new ArrayList<>();
    LogFollower.Result end = follower.follow(new LogPosition("l", 0),
        cursor -> cursor == 0 ? page(3, 3, true) : page(1, 4, false), item -> taken.add(item.asInt()),
        (to, restart) -> { }, () -> true);
    assertThat(taken).containsExactly(0, 1, 2, 0);
    assertThat(end.position().cursor()).isEqualTo(4);
  }

  @Test
  void aPageWithMoreItemsThanAskedForIsRefusedWhole() {
    List<Integer> taken = new ArrayList<>();
    assertThatThrownBy(() -> follower.follow(new LogPosition("l", 0), cursor -> page(1_000, 1_000, false),
        item -> taken.add(item.asInt()), (to, restart) -> { }, () -> true))
        .isInstanceOf(IOException.class).hasMessageContaining("holds 1000 records, more than the 3 asked for");
    assertThat(taken).isEmpty();
  }
}
