package dev.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.wire.Attestation;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.Methods;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.core.wire.ServiceCall;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The call state machine ({@link CallRun} and {@link Dispute}) on a fake transport and virtual time: servers are
 * scripted (how long they take, whether they lie, whether they answer at all), their answers are really signed and
 * checked, and the call waits on a clock that jumps from event to event, so time-outs and hedging are exact.
 */
class CallRunTest {
  static final Duration FAST = Duration.ofMillis(10);
  static final JsonNode PARAMS = parse("{\"hello\":\"tandem\"}");
  static final JsonNode LIE = parse("{\"hello\":\"lie\"}");

  /**
   * How a scripted server answers: after {@code delay} (null: never), with the true result or a lie; with
   * {@code liesOnErrors}, every answer that should be the service's error is another error.
   */
  record Script(Duration delay, boolean lies, boolean liesOnErrors) {
    static Script honest(Duration delay) {
      return new Script(delay, false, false);
    }

    static Script liar() {
      return new Script(FAST, true, false);
    }

    static Script silent() {
      return new Script(null, false, false);
    }

    /** Honest with results, so it earns its way to proven, but a liar about errors. */
    static Script errorLiar() {
      return new Script(FAST, false, true);
    }
  }

  @Test
  void acceptsWhenTwoOperatorsSignTheSameAnswer() {
    Net net = new Net().server("a", Script.honest(FAST)).server("b", Script.honest(Duration.ofMillis(30)))
        .server("c", Script.honest(FAST));
    try (TandemClient client = net.client(1, b -> b)) {
      CallReport report = client.service("echo").callWithReport("echo", PARAMS);
      assertThat(report.decision()).isEqualTo(CallReport.Decision.VERIFIER);
      assertThat(report.result()).contains(PARAMS);
      assertThat(report.votes()).hasSize(2);
      assertThat(report.answers()).hasSize(2); // the third server was never asked
      assertThat(report.elapsed()).isBetween(FAST, Duration.ofMillis(30));
      assertThat(report.convicted()).isEmpty();
      assertThat(net.evidence).isEmpty();
    }
  }

  @Test
  void conflictIsSettledByThePinnedHomeServerAndTheLiarConvicted() {
    Net net = new Net().server("home", Script.honest(FAST)).server("liar", Script.liar());
    net.home = "home";
    try (TandemClient client = net.client(1, b -> b.referee(RefereeMode.HOME))) {
      CallReport report = client.service("echo").callWithReport("echo", PARAMS);
      assertThat(report.decision()).isEqualTo(CallReport.Decision.HOME);
      assertThat(report.result()).contains(PARAMS);
      assertThat(report.convicted()).containsExactly(net.key("liar").publicKey());
      assertThat(client.scores().blacklisted(net.key("liar").publicKey())).isTrue();
      assertThat(report.evidence()).isPresent();
      report.evidenceDeliveries().join();
      // The evidence goes to the nodes the client knows, never to the liar it would only teach.
      assertThat(net.evidence).isNotEmpty().doesNotContain(net.url("liar"));
    }
  }

  @Test
  void conflictIsSettledByTheRefereeWithTheModuleFetchedOverTheTransport() {
    Net net = new Net().server("a", Script.honest(FAST)).server("liar", Script.liar());
    net.module = TestFiles.read("services/echo/echo.wasm");
    try (TandemClient client = net.client(1, b -> b.referee(RefereeMode.LOCAL))) {
      CallReport report = client.service("echo").callWithReport("echo", PARAMS);
      assertThat(report.decision()).isEqualTo(CallReport.Decision.REFEREE);
      assertThat(report.reran()).isTrue();
      assertThat(report.result()).contains(PARAMS);
      assertThat(report.convicted()).containsExactly(net.key("liar").publicKey());
      // The module came through the client's transport, from a node that offers the service (any node will do:
      // only the hash is trusted).
      assertThat(net.fetched).singleElement().asString().startsWith("GET http://")
          .endsWith(".test/ipfs/" + Cid.rawSha256(net.module));
    }
  }

  @Test
  void adaptiveModeConfirmsAProvenServersErrorWithItsOwnReRunInsteadOfMoreServers() {
    Net net = new Net().server("a", Script.honest(FAST)).server("b", Script.honest(FAST))
        .server("c", Script.honest(FAST));
    net.module = TestFiles.read("services/echo/echo.wasm");
    try (TandemClient client = net.client(1, b -> b.referee(RefereeMode.LOCAL).spotCheck(0.1))) {
      ServiceHandle echo = client.service("echo");
      warmUp(echo);
      int confirmed = 0;
      for (int i = 0; i < 10; i++) {
        int asked = net.asked.size();
        CallReport report = errorOf(echo);
        assertThat(report.decision()).isNotEqualTo(CallReport.Decision.UNCHECKED); // an error is always verified
        assertThat(report.error().map(JsonNode::toString)).contains(net.error("nosuch").get("error").toString());
        if (report.decision() == CallReport.Decision.REFEREE) {
          confirmed++;
          assertThat(report.reran()).isTrue();
          assertThat(net.asked.size() - asked).as("requests of a confirmed error").isEqualTo(1);
          assertThat(report.convicted()).isEmpty();
        }
      }
      assertThat(confirmed).as("errors of one proven server, confirmed here").isPositive();
    }
  }

  @Test
  void aProvenServerThatLiesWithAnErrorIsConvictedByTheReRun() {
    Net net = new Net().server("a", Script.honest(FAST)).server("b", Script.honest(FAST))
        .server("liar", Script.errorLiar());
    net.module = TestFiles.read("services/echo/echo.wasm");
    PublicKey liar = net.key("liar").publicKey();
    // Every call verified in full first, so every server, the liar too, earns its way to proven.
    try (TandemClient full = net.client(1, b -> b.referee(RefereeMode.LOCAL))) {
      for (int i = 0; i < 100 && full.scores().score(liar).score() < AdaptiveCall.PROVEN_SCORE; i++) {
        full.service("echo").callWithReport("echo", PARAMS);
      }
      assertThat(full.scores().established(liar)).isTrue();
      try (TandemClient client = net.client(2, b -> b.referee(RefereeMode.LOCAL).spotCheck(0.1)
          .scores(full.scores()))) {
        ServiceHandle echo = client.service("echo");
        CallReport convicting = null;
        for (int i = 0; i < 30 && convicting == null; i++) {
          CallReport report = errorOf(echo);
          assertThat(report.error().map(JsonNode::toString)).as("the true error, whoever lied")
              .contains(net.error("nosuch").get("error").toString());
          convicting = report.convicted().isEmpty() ? null : report;
        }
        assertThat(convicting).isNotNull();
        // Asked alone, as a proven server, and convicted by the re-run here: no other server was needed.
        assertThat(convicting.decision()).isEqualTo(CallReport.Decision.REFEREE);
        assertThat(convicting.answers()).singleElement().satisfies(a -> assertThat(a.server()).isEqualTo(liar));
        assertThat(convicting.convicted()).containsExactly(liar);
        assertThat(client.scores().blacklisted(liar)).isTrue();
        assertThat(client.scores().blacklisted(net.key("a").publicKey())).isFalse();
        assertThat(client.scores().blacklisted(net.key("b").publicKey())).isFalse();
      }
    }
  }

  /** Calls until the servers are proven here: adaptive mode then takes one proven server's answer unchecked. */
  private static void warmUp(ServiceHandle echo) {
    boolean unchecked = false;
    for (int i = 0; i < 200 && !unchecked; i++) {
      unchecked = echo.callWithReport("echo", PARAMS).decision() == CallReport.Decision.UNCHECKED;
    }
    assertThat(unchecked).as("a proven server answered alone").isTrue();
  }

  /** The report of a call whose verified answer is the service's error (the echo module has no method nosuch). */
  private static CallReport errorOf(ServiceHandle echo) {
    try {
      echo.callWithReport("nosuch", PARAMS);
    } catch (ServiceErrorException e) {
      return e.report().orElseThrow();
    }
    throw new AssertionError("the call of a missing method returned a result");
  }

  @Test
  void conflictWithNothingToReRunIsEscalatedToMoreServers() {
    int escalated = 0;
    for (long seed = 1; seed <= 6; seed++) {
      Net net = new Net().server("a", Script.honest(FAST)).server("b", Script.honest(FAST))
          .server("c", Script.honest(FAST)).server("liar", Script.liar());
      net.verifier = ServiceRecord.BUILTIN_MAJORITY;
      try (TandemClient client = net.client(seed, b -> b.referee(RefereeMode.NONE))) {
        CallReport report = client.service("echo").callWithReport("echo", PARAMS);
        assertThat(report.result()).contains(PARAMS);
        assertThat(report.convicted()).isEmpty(); // a vote convicts nobody; the nodes re-run the evidence
        boolean liarAsked = report.answers().stream().anyMatch(a -> a.server().equals(net.key("liar").publicKey()));
        if (liarAsked) {
          escalated++;
          assertThat(report.decision()).isEqualTo(CallReport.Decision.ESCALATION);
          assertThat(report.answers()).hasSize(4); // every server was asked
          assertThat(report.evidence()).isPresent();
        } else {
          assertThat(report.decision()).isEqualTo(CallReport.Decision.VERIFIER);
          assertThat(report.answers()).hasSize(3);
        }
      }
    }
    assertThat(escalated).as("seeds whose first sample held the liar").isPositive();
  }

  @Test
  void aServerThatNeverAnswersTimesOutAndTheCallSaysSo() {
    Net net = new Net().server("a", Script.honest(FAST)).server("silent", Script.silent());
    try (TandemClient client = net.client(1, b -> b.hedgeAfter(null).requestTimeout(Duration.ofSeconds(3)))) {
      assertThatThrownBy(() -> client.service("echo").callWithReport("echo", PARAMS))
          .isInstanceOfSatisfying(NoServersException.class, e -> {
            assertThat(e.getMessage()).contains("1 valid answer of 2 needed from 2 servers asked")
                .contains("no answer within 3000 ms");
            assertThat(net.time.now).isEqualTo(Duration.ofSeconds(3).toNanos());
          });
      assertThat(client.scores().score(net.key("silent").publicKey()).score())
          .isLessThan(client.scores().score(net.key("a").publicKey()).score());
    }
  }

  @Test
  void aTimedOutServerIsReplacedByAnotherOne() {
    int replaced = 0;
    for (long seed = 1; seed <= 6; seed++) {
      Net net = new Net().server("a", Script.honest(FAST)).server("b", Script.honest(FAST))
          .server("silent", Script.silent());
      try (TandemClient client = net.client(seed, b -> b.hedgeAfter(null).requestTimeout(Duration.ofSeconds(3)))) {
        CallReport report = client.service("echo").callWithReport("echo", PARAMS);
        assertThat(report.decision()).isEqualTo(CallReport.Decision.VERIFIER);
        assertThat(report.result()).contains(PARAMS);
        if (report.answers().size() == 3) {
          replaced++;
          assertThat(report.answers()).filteredOn(a -> a.kind() == ServerAnswer.Kind.UNREACHABLE).singleElement()
              .satisfies(a -> assertThat(a.detail()).isEqualTo("no answer within 3000 ms"));
          assertThat(report.elapsed()).isEqualTo(Duration.ofSeconds(3).plus(FAST));
        } else {
          assertThat(report.elapsed()).isEqualTo(FAST);
        }
      }
    }
    assertThat(replaced).as("seeds whose first sample held the silent server").isPositive();
  }

  @Test
  void theCallDeadlineEndsACallWhoseServersAllStall() {
    Net net = new Net().server("a", Script.silent()).server("b", Script.silent()).server("c", Script.silent());
    try (TandemClient client = net.client(1, b -> b.callTimeout(Duration.ofSeconds(2))
        .requestTimeout(Duration.ofSeconds(5)))) {
      assertThatThrownBy(() -> client.service("echo").callWithReport("echo", PARAMS))
          .isInstanceOf(NoServersException.class).hasMessageContaining("before the deadline of 2000 ms");
      assertThat(net.time.now).isEqualTo(Duration.ofSeconds(2).toNanos());
      assertThat(net.asked).hasSize(3); // hedging asked the third server after the first second
    }
  }

  @Test
  void aSlowServerIsHedgedAfterTheHedgeDelayInsteadOfWaitedFor() {
    Duration slow = Duration.ofMillis(2500);
    int hedged = 0;
    for (long seed = 1; seed <= 6; seed++) {
      Net net = new Net().server("a", Script.honest(FAST)).server("b", Script.honest(FAST))
          .server("slow", Script.honest(slow));
      try (TandemClient client = net.client(seed, b -> b.hedgeAfter(Duration.ofSeconds(1)))) {
        CallReport report = client.service("echo").callWithReport("echo", PARAMS);
        assertThat(report.decision()).isEqualTo(CallReport.Decision.VERIFIER);
        if (report.answers().size() == 3) {
          hedged++;
          // One second of waiting, then a fast server: not the slow server's 2.5 s.
          assertThat(report.elapsed()).isEqualTo(Duration.ofSeconds(1).plus(FAST));
          assertThat(report.answers()).filteredOn(a -> a.kind() == ServerAnswer.Kind.PENDING).singleElement()
              .satisfies(a -> assertThat(a.detail()).isEqualTo("no answer yet (hedged)"));
        }
      }
    }
    assertThat(hedged).as("seeds whose first sample held the slow server").isPositive();
  }

  @Test
  void oneExtraRequestTakesTheFirstTwoThatAgreeAndCancelsTheThird() {
    Duration second = Duration.ofMillis(30);
    for (long seed = 1; seed <= 3; seed++) {
      Net net = new Net().server("a", Script.honest(FAST)).server("b", Script.honest(second))
          .server("slow", Script.honest(Duration.ofMillis(2500)));
      try (TandemClient client = net.client(seed, b -> b.hedgeAfter(null).extraRequests(1))) {
        CallReport report = client.service("echo").callWithReport("echo", PARAMS);
        assertThat(report.decision()).isEqualTo(CallReport.Decision.VERIFIER);
        assertThat(net.asked).containsExactlyInAnyOrder("a", "b", "slow");
        assertThat(report.elapsed()).as("the second answer, not the slowest").isEqualTo(second);
        assertThat(report.answers()).filteredOn(a -> a.kind() == ServerAnswer.Kind.PENDING).singleElement()
            .satisfies(a -> assertThat(a.url()).isEqualTo(net.url("slow")));
        // Cancelled: its time so far is its latency, a lower bound, and it earned no success.
        var slow = client.scores().score(net.key("slow").publicKey());
        assertThat(slow.latencyMs()).isEqualTo(30.0);
        assertThat(slow.successes()).isZero();
      }
    }
  }

  @Test
  void withoutHedgingTheSameCallWaitsForTheSlowServer() {
    Net net = new Net().server("a", Script.honest(FAST)).server("slow", Script.honest(Duration.ofMillis(2500)));
    try (TandemClient client = net.client(1, b -> b.hedgeAfter(null))) {
      CallReport report = client.service("echo").callWithReport("echo", PARAMS);
      assertThat(report.decision()).isEqualTo(CallReport.Decision.VERIFIER);
      assertThat(report.elapsed()).isEqualTo(Duration.ofMillis(2500));
      assertThat(report.votes()).hasSize(2);
    }
  }

  /** Scripted servers, a bootstrap node serving their records, and the virtual time they answer on. */
  static final class Net implements Transport {
    static final URI BOOT = URI.create("http://boot.test");
    final VirtualClock time = new VirtualClock();
    final KeyPair owner = KeyPair.fromSeed(new byte[32]);
    final Map<String, Script> scripts = new LinkedHashMap<>();
    final Map<String, KeyPair> keys = new LinkedHashMap<>();
    /** Nodes evidence was sent to; servers asked, in order. */
    final List<URI> evidence = new CopyOnWriteArrayList<>();
    final List<String> asked = new ArrayList<>();
    /** Modules fetched ({@code GET} and URL). */
    final List<String> fetched = new CopyOnWriteArrayList<>();
    String verifier = ServiceRecord.BUILTIN_EQUAL;
    String home;
    byte[] module = {1};
    private ServiceRecord service;

    Net server(String name, Script script) {
      byte[] seed = new byte[32];
      seed[0] = (byte) (scripts.size() + 1);
      scripts.put(name, script);
      keys.put(name, KeyPair.fromSeed(seed));
      return this;
    }

    KeyPair key(String name) {
      return keys.get(name);
    }

    URI url(String name) {
      return URI.create("http://" + name + ".test");
    }

    TandemClient client(long seed, UnaryOperator<TandemClient.Builder> settings) {
      ServiceRecord.Builder b = ServiceRecord.builder().name("echo").module(Cid.rawSha256(module))
          .verifier(verifier).createdAt(1);
      if (home != null) {
        b.home(url(home)).homeKey(key(home).publicKey());
      }
      service = b.sign(owner);
      return settings.apply(TandemClient.builder().bootstrap(List.of(BOOT)).transport(this).callClock(time)
          .clock(time.clock()).seed(seed).evidenceFeed(false).audit(0).minRequests(2).pullEveryRecord(true))
          .build();
    }

    @Override
    public CompletableFuture<Reply> send(Request request) {
      if (!request.method().equals("GET")) {
        return Transport.super.send(request);
      }
      fetched.add("GET " + request.url());
      boolean ours = request.url().getPath().equals("/ipfs/" + Cid.rawSha256(module));
      return CompletableFuture.completedFuture(ours ? new Reply(200, module, "application/octet-stream")
          : new Reply(404, new byte[0], ""));
    }

    @Override
    public CompletableFuture<Reply> post(URI url, byte[] body, Duration timeout) {
      JsonNode request = parse(new String(body, StandardCharsets.UTF_8));
      if (url.getPath().equals("/rpc")) {
        return CompletableFuture.completedFuture(rpc(url, request));
      }
      String name = url.getHost().substring(0, url.getHost().indexOf('.'));
      asked.add(name);
      Script script = scripts.get(name);
      CompletableFuture<Reply> reply = new CompletableFuture<>();
      if (script.delay() == null || script.delay().compareTo(timeout) > 0) {
        time.after(timeout, () -> reply.completeExceptionally(new HttpTimeoutException("request timed out")));
      } else {
        Reply answer = answer(name, request, script);
        time.after(script.delay(), () -> reply.complete(answer));
      }
      return reply;
    }

    private Reply rpc(URI url, JsonNode request) {
      ObjectNode result = Json.object();
      switch (request.path("method").asText()) {
        case Methods.RECORDS -> {
          var records = result.putArray("records");
          if (request.path("params").path("cursor").asLong() == 0) {
            records.add(service.toJson());
            for (String name : scripts.keySet()) {
              records.add(new ServerRecord(key(name).publicKey(), url(name), List.of(service.serviceId()), List.of(),
                  ServerRecord.Capacity.defaults(), 1, false, null).signedBy(key(name)).toJson());
            }
          }
          result.put("next", records.size() + request.path("params").path("cursor").asLong());
          result.put("more", false);
          result.put("log", "fake");
        }
        case Methods.SUBMIT_EVIDENCE -> {
          evidence.add(URI.create(url.getScheme() + "://" + url.getHost()));
          result.put("accepted", true);
        }
        default -> throw new IllegalArgumentException("unexpected " + request);
      }
      return new Reply(200, JsonRpc.result(request.get("id"), result).toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The echo module's answer to {@code method}, which it does not have: its error, as a re-run gives it. */
    ObjectNode error(String method) {
      ObjectNode response = Json.object();
      ObjectNode error = response.putObject("error");
      error.put("code", RpcErrors.METHOD_NOT_FOUND).put("message", "method not found");
      return response;
    }

    private Reply answer(String name, JsonNode request, Script script) {
      ServiceCall call;
      String responseHash;
      String method = request.path("method").asText();
      ObjectNode response = Json.object();
      if (method.equals("echo")) {
        response.set("result", script.lies() ? LIE : request.get("params"));
      } else {
        response = error(method);
        if (script.liesOnErrors()) {
          ((ObjectNode) response.get("error")).put("code", RpcErrors.INVALID_PARAMS).put("message", "a lie");
        }
      }
      try {
        call = ServiceCall.of(method, request.get("params"));
        responseHash = ServiceCall.responseHash(response);
      } catch (JsonFormatException e) {
        throw new IllegalStateException(e);
      }
      ObjectNode body = Json.object();
      body.put("jsonrpc", "2.0").set("id", request.get("id"));
      body.setAll(response);
      body.set("tandem", Attestation.sign(key(name), service.serviceId(), call.requestHash(), responseHash, 1)
          .toJson());
      return new Reply(200, body.toString().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Virtual time: a call's wait runs the scheduled answers in order until one arrives or the wait is over. */
  static final class VirtualClock implements CallClock {
    private record Event(long at, long seq, Runnable action) {}

    private final PriorityQueue<Event> events =
        new PriorityQueue<>(Comparator.comparingLong(Event::at).thenComparingLong(Event::seq));
    long now;
    private long seq;

    synchronized void after(Duration delay, Runnable action) {
      events.add(new Event(now + delay.toNanos(), seq++, action));
    }

    @Override
    public synchronized long nanoTime() {
      return now;
    }

    private boolean runNext(long until) {
      Event e;
      synchronized (this) {
        e = events.peek();
        if (e == null || e.at() > until) {
          return false;
        }
        events.poll();
        now = Math.max(now, e.at());
      }
      e.action().run();
      return true;
    }

    @Override
    public <T> Inbox<T> inbox() {
      ArrayDeque<T> items = new ArrayDeque<>();
      return new Inbox<>() {
        @Override
        public synchronized void put(T item) {
          items.add(item);
        }

        @Override
        public T poll(long nanos) {
          long until = nanoTime() + Math.max(0, nanos);
          while (true) {
            synchronized (this) {
              if (!items.isEmpty()) {
                return items.poll();
              }
            }
            if (!runNext(until)) {
              synchronized (VirtualClock.this) {
                now = Math.max(now, until);
              }
              synchronized (this) {
                return items.poll();
              }
            }
          }
        }
      };
    }

    Clock clock() {
      Instant epoch = Instant.parse("2030-01-01T00:00:00Z");
      return new Clock() {
        @Override
        public ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return epoch.plusNanos(nanoTime());
        }
      };
    }
  }

  private static JsonNode parse(String json) {
    try {
      return Json.parse(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
