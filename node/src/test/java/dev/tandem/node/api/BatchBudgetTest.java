package dev.tandem.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.wire.RpcErrors;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A batch of page-sized reads must not cost the node a hundred pages: once a batch's answers pass
 * {@link Envelope#MAX_BATCH_ANSWER_BYTES}, its remaining requests are not run and are answered "overloaded", while a
 * request alone always runs.
 */
class BatchBudgetTest {
  private static final int PAGE = 5 << 20;

  @Test
  void aBatchStopsRunningRequestsOnceItsAnswersPassTheBudget() throws Exception {
    AtomicInteger ran = new AtomicInteger();
    NodeRpc rpc = new NodeRpc("token", 100).method("page", p -> {
      ran.incrementAndGet();
      return Json.nodes().textNode("x".repeat(PAGE));
    });
    StringBuilder batch = new StringBuilder("[");
    for (int i = 0; i < 100; i++) {
      batch.append(i == 0 ? "" : ",").append("{\"jsonrpc\":\"2.0\",\"id\":").append(i).append(",\"method\":\"page\"}");
    }
    NodeRpc.Answer answer = rpc.handle(batch.append(']').toString().getBytes(StandardCharsets.UTF_8), null);

    int runnable = (Envelope.MAX_BATCH_ANSWER_BYTES + PAGE - 1) / PAGE; // the last one run passes the budget
    assertThat(ran.get()).isEqualTo(runnable);
    assertThat(answer.body().length).isLessThan(Envelope.MAX_BATCH_ANSWER_BYTES + 2 * PAGE);
    JsonNode answers = Json.parse(answer.body());
    assertThat(answers).hasSize(100);
    assertThat(answers.get(runnable - 1).has("result")).isTrue();
    JsonNode refused = answers.get(runnable);
    assertThat(refused.path("id").asInt()).isEqualTo(runnable);
    assertThat(refused.path("error").path("code").asInt()).isEqualTo(RpcErrors.OVERLOADED);
    assertThat(refused.path("error").path("message").asText()).contains("send the rest of it in another request");
  }

  @Test
  void aRequestAloneAlwaysRuns() throws Exception {
    NodeRpc rpc = new NodeRpc("token", 100).method("page", p -> Json.nodes().textNode("x".repeat(40 << 20)));
    NodeRpc.Answer answer = rpc.handle("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"page\"}"
        .getBytes(StandardCharsets.UTF_8), null);
    assertThat(Json.parse(answer.body()).has("result")).isTrue();
  }
}
