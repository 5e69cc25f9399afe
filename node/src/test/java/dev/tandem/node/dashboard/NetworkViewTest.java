package dev.tandem.node.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.json.Json;
import dev.tandem.core.rpc.Transport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How the network view joins what each node publishes: calls attributed, each conflict and conviction once. */
class NetworkViewTest {
  static JsonNode doc(String json) throws Exception {
    return Json.parse(json.replace('\'', '"'));
  }

  @Test
  void joinsEveryNodesActivityAttributedAndOnce() throws Exception {
    ObjectNode a = (ObjectNode) doc("""
        {'self':{'key':'ka'},'servers':[{'key':'ka','label':'Server A','url':'http://a','self':true},
          {'key':'kb','label':'Server B','url':'http://b','self':false,'score':50},
          {'key':'kc','label':'Server C','url':'http://c','self':false,'score':0,'convicted':true}],
         'totalCalls':2,'recentCallsByService':{'s1':2},
         'calls':[{'at':5,'service':'s1','method':'m'},{'at':3,'service':'s1','method':'m'}],
         'conflicts':[{'at':4,'service':'s1','requestHash':'r1','servers':['ka','kc'],'source':'evidence'}],
         'convictions':[{'at':4,'server':'kc','service':'s1','requestHash':'r1','reason':'x'}]}""");
    JsonNode b = doc("""
        {'self':{'key':'kb','fault':'none'},'servers':[],'totalCalls':7,'recentCallsByService':{'s1':7},
         'calls':[{'at':6,'service':'s1','method':'m'}],
         'conflicts':[{'at':2,'service':'s1','requestHash':'r1','servers':['kb','kc'],'source':'evidence'}],
         'convictions':[{'at':3,'server':'kc','service':'s1','requestHash':'r1','reason':'y'}]}""");
    Map<String, CompletableFuture<JsonNode>> asked = new LinkedHashMap<>();
    asked.put("ka", CompletableFuture.completedFuture(a));
    asked.put("kb", CompletableFuture.completedFuture(b));
    asked.put("kc", CompletableFuture.completedFuture(Json.object().put("unreachable", "no answer")));

    ObjectNode view = NetworkView.merge(a, asked);

    assertThat(view.path("view").asText()).isEqualTo("network");
    assertThat(view.path("totalCalls").asLong()).isEqualTo(9);
    assertThat(view.path("nodes")).hasSize(3);
    assertThat(view.path("nodes").get(1).path("totalCalls").asLong()).isEqualTo(7);
    assertThat(view.path("nodes").get(2).path("unreachable").asText()).isEqualTo("no answer");
    assertThat(view.path("calls").findValuesAsText("server")).containsExactly("kb", "ka", "ka");
    assertThat(view.path("recentCallsByServer").path("kb").path("s1").asInt()).isEqualTo(7);
    assertThat(view.path("conflicts")).hasSize(1);
    JsonNode conflict = view.path("conflicts").get(0);
    assertThat(conflict.path("servers").toString()).isEqualTo("[\"ka\",\"kc\",\"kb\"]");
    assertThat(conflict.path("seenBy").toString()).isEqualTo("[\"ka\",\"kb\"]");
    assertThat(conflict.path("at").asLong()).isEqualTo(2);
    assertThat(view.path("convictions")).hasSize(1);
    assertThat(view.path("convictions").get(0).path("by").toString()).isEqualTo("[\"ka\",\"kb\"]");
    // Scores and the convicted mark stay this node's own.
    assertThat(view.path("servers").get(2).path("convicted").asBoolean()).isTrue();
  }

  /**
   * Another server's record names the URL the view asks, so it is asked as a hostile peer would answer: one that
   * streams an endless snapshot is cut off at {@link NetworkView#MAX_BYTES}, and an address the peer policy does not
   * allow (here: all but the first server) is not asked at all.
   */
  @Test
  void aPeerIsReadUpToTheLimitAndOnlyWhereThePeerPolicyAllows() throws Exception {
    AtomicInteger askedDisallowed = new AtomicInteger();
    HttpServer endless = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    endless.createContext("/", ex -> {
      ex.sendResponseHeaders(200, 0);
      byte[] chunk = new byte[64 << 10];
      try (OutputStream out = ex.getResponseBody()) {
        for (int i = 0; i < 1 << 16; i++) { // 4 GiB, if anybody read it
          out.write(chunk);
        }
      } catch (IOException e) {
        // the view hung up, as it should
      }
    });
    endless.setExecutor(Executors.newCachedThreadPool());
    endless.start();
    HttpServer disallowed = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    disallowed.createContext("/", ex -> {
      askedDisallowed.incrementAndGet();
      ex.sendResponseHeaders(404, -1);
      ex.close();
    });
    disallowed.start();
    String endlessUrl = "http://127.0.0.1:" + endless.getAddress().getPort();
    String disallowedUrl = "http://127.0.0.1:" + disallowed.getAddress().getPort();
    ObjectNode self = (ObjectNode) doc("{'self':{'key':'ka'},'servers':[{'key':'ka','url':'http://a','self':true},"
        + "{'key':'kb','url':'" + endlessUrl + "','self':false},{'key':'kc','url':'" + disallowedUrl
        + "','self':false}],'calls':[],'conflicts':[],'convictions':[]}");
    try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      NetworkView view = new NetworkView(() -> self, Transport.http(http, NetworkView.MAX_BYTES),
          u -> u.toString().equals(endlessUrl));
      JsonNode nodes = Json.parse(view.bytes()).path("nodes");
      assertThat(nodes.get(1).path("unreachable").asText()).isEqualTo("answer over " + NetworkView.MAX_BYTES
          + " bytes");
      assertThat(nodes.get(2).path("unreachable").asText()).contains("peer policy");
      assertThat(askedDisallowed.get()).isZero();
    } finally {
      endless.stop(0);
      disallowed.stop(0);
    }
  }
}
