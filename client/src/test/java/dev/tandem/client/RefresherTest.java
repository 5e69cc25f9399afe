package dev.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.score.Scores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Refreshes off the calls' path ({@link Refresher}): once a client has its first records and feeds, a bootstrap node
 * that stops answering holds no call; one background refresh runs at a time, an explicit refresh waits for it rather
 * than pulling alongside, and closing the client stops it.
 */
class RefresherTest {
  FakeBootstrap node;
  ExecutorService callers;
  ServiceRecord echo;

  @BeforeEach
  void start() throws Exception {
    node = new FakeBootstrap();
    KeyPair owner = KeyPair.generate();
    echo = ServiceRecord.builder().name("echo").module(Cid.rawSha256(new byte[] {1}))
        .verifier(ServiceRecord.BUILTIN_EQUAL).createdAt(1).sign(owner);
    KeyPair server = KeyPair.generate();
    node.records = FakeBootstrap.json(List.of(echo, new ServerRecord(server.publicKey(),
        java.net.URI.create("http://127.0.0.1:9"), List.of(echo.serviceId()), List.of(),
        ServerRecord.Capacity.defaults(), 1, false, null).signedBy(server)));
    callers = Executors.newVirtualThreadPerTaskExecutor();
  }

  @AfterEach
  void stop() {
    node.close();
    callers.shutdownNow();
  }

  /** Every call finds the records stale (interval 0), and the node's timeout is longer than any wait here. */
  TandemClient client() {
    return TandemClient.builder().bootstrap(node.url()).refreshInterval(Duration.ZERO)
        .bootstrapTimeout(Duration.ofSeconds(30)).pullEveryRecord(true).build();
  }

  /**
   * By default a client looks up the services it calls and never pulls every record, which anyone can make many: the
   * first use of a service asks for it and the servers offering it, later uses take what came, and a refresh asks
   * again. A bootstrap node of an older release, which does not know lookups, is read whole.
   */
  @Test
  void aClientLooksUpTheServicesItCallsAndNeverPullsEveryRecord() throws Exception {
    node.knowsLookup = true;
    try (TandemClient client = TandemClient.builder().bootstrap(node.url()).build()) {
      assertThat(client.service("echo").record()).isEqualTo(echo);
      assertThat(client.service("echo").record()).isEqualTo(echo);
      assertThat(client.serversOffering(echo.serviceId())).hasSize(1);
      assertThat(node.lookupsAsked()).as("one lookup for the name, one for the id").isEqualTo(2);
      client.refresh();
      assertThat(node.lookupsAsked()).as("a refresh looks both up again").isEqualTo(4);
      assertThat(node.recordsAsked()).isZero();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.service("nothing"))
          .isInstanceOf(ServiceNotFoundException.class);
    }
    node.knowsLookup = false;
    try (TandemClient client = TandemClient.builder().bootstrap(node.url()).build()) {
      assertThat(client.service("echo").record()).isEqualTo(echo);
      assertThat(node.recordsAsked()).as("an older node is read whole").isEqualTo(1);
    }
  }

  /**
   * A lookup names the servers this client trusts (established here) to be sent first, so that fresh keys offering
   * the service cannot crowd them out of a node's answer; a node of the release before that param is asked again
   * without it.
   */
  @Test
  void aLookupNamesTheTrustedServersAndAnOlderNodeIsAskedAgainWithoutThem() throws Exception {
    node.knowsLookup = true;
    Scores scores = new Scores(new dev.tandem.core.score.MemoryScoreStore());
    PublicKey trusted = KeyPair.generate().publicKey();
    for (int i = 0; i < 5; i++) {
      scores.confirm(trusted);
    }
    scores.confirm(KeyPair.generate().publicKey()); // on probation: not named
    for (boolean older : List.of(false, true)) {
      node.refusesPrefer = older;
      node.lookupParams.clear();
      try (TandemClient client = TandemClient.builder().bootstrap(node.url()).scores(scores).build()) {
        assertThat(client.service("echo").record()).isEqualTo(echo);
      }
      List<String> asked = node.lookupParams.stream().map(JsonNode::toString).toList();
      String withPrefer = "{\"service\":\"echo\",\"prefer\":[\"" + trusted + "\"]}";
      assertThat(asked).isEqualTo(older ? List.of(withPrefer, "{\"service\":\"echo\"}") : List.of(withPrefer));
    }
  }

  @Test
  void aStaleRefreshRunsInTheBackgroundWhileCallsGoOnAndOnlyOneAtATime() throws Exception {
    try (TandemClient client = client()) {
      client.service("echo"); // the first pull is waited for: there is nothing to call before it
      assertThat(node.recordsAsked()).isEqualTo(1);
      assertThat(node.evidenceAsked()).isEqualTo(1);

      node.stall();
      List<Future<ServiceHandle>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        calls.add(callers.submit(() -> client.service("echo")));
      }
      for (Future<ServiceHandle> call : calls) {
        assertThat(call.get(3, TimeUnit.SECONDS).record().name()).as("a call with what the client knows")
            .isEqualTo("echo");
      }
      assertThat(FakeBootstrap.await(Duration.ofSeconds(5), () -> node.recordsAsked() == 2))
          .as("a refresh started in the background").isTrue();
      for (int i = 0; i < 5; i++) {
        assertThat(client.service("echo").choose(1)).hasSize(1);
      }
      Thread.sleep(200);
      assertThat(node.recordsAsked()).as("one background refresh for all the stale callers").isEqualTo(2);
      assertThat(node.evidenceAsked()).as("its feed pull waits for its records").isEqualTo(1);

      node.release();
      assertThat(FakeBootstrap.await(Duration.ofSeconds(5), () -> node.evidenceAsked() == 2))
          .as("the background refresh goes on with the feeds").isTrue();
      assertThat(node.mostInFlight()).isEqualTo(1);
    }
  }

  @Test
  void anExplicitRefreshWaitsForTheOneInFlightInsteadOfPullingAlongside() throws Exception {
    try (TandemClient client = client()) {
      client.service("echo");
      node.stall();
      client.service("echo"); // starts the background refresh, and returns
      assertThat(FakeBootstrap.await(Duration.ofSeconds(5), () -> node.recordsAsked() == 2)).isTrue();

      Future<?> explicit = callers.submit(client::refresh);
      Thread.sleep(300);
      assertThat(explicit).as("it waits for the refresh in flight").isNotDone();
      assertThat(node.recordsAsked()).as("no second pull alongside").isEqualTo(2);

      node.release();
      explicit.get(10, TimeUnit.SECONDS);
      assertThat(node.recordsAsked()).as("then it pulls").isEqualTo(3);
      assertThat(node.mostInFlight()).isEqualTo(1);
    }
  }

  @Test
  void closingTheClientStopsItsBackgroundRefresh() throws Exception {
    TandemClient client = client();
    client.service("echo");
    node.stall();
    client.service("echo");
    assertThat(FakeBootstrap.await(Duration.ofSeconds(5), () -> node.recordsAsked() == 2)).isTrue();

    long start = System.nanoTime();
    client.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("close waits for no stalled node")
        .isLessThan(Duration.ofSeconds(5));
    node.release();
    Thread.sleep(300);
    assertThat(node.evidenceAsked()).as("no feed pull after close").isEqualTo(1);
  }
}
