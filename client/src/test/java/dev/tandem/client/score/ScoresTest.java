package dev.tandem.client.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.rpc.LogPosition;
import dev.tandem.core.score.MemoryScoreStore;
import dev.tandem.core.score.ScoreEvent;
import dev.tandem.core.score.ScoreStore;
import dev.tandem.core.score.Scores;
import dev.tandem.core.score.ServerScore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoresTest {
  @TempDir Path dir;
  final PublicKey a = KeyPair.fromSeed(new byte[32]).publicKey();
  final PublicKey b = KeyPair.fromSeed(seed(1)).publicKey();

  static byte[] seed(int v) {
    byte[] s = new byte[32];
    s[0] = (byte) v;
    return s;
  }

  /** A clock the test moves by hand. */
  static final class ManualClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }
  }

  @Test
  void eventsMoveTheScoreWithinBounds() {
    Scores s = new Scores(new MemoryScoreStore());
    assertThat(s.score(a).score()).isEqualTo(50);
    s.record(a, ScoreEvent.SUCCESS);
    s.record(a, ScoreEvent.SLOW);
    s.record(a, ScoreEvent.ERROR);
    assertThat(s.score(a).score()).isEqualTo(47);
    s.record(a, ScoreEvent.UNREACHABLE);
    s.record(a, ScoreEvent.INVALID);
    assertThat(s.score(a).score()).isEqualTo(27);
    for (int i = 0; i < 10; i++) {
      s.record(a, ScoreEvent.UNREACHABLE);
    }
    assertThat(s.score(a).score()).isZero();
    for (int i = 0; i < 200; i++) {
      s.record(b, ScoreEvent.SUCCESS);
    }
    assertThat(s.score(b).score()).isEqualTo(100);
    assertThat(s.score(b).successes()).isEqualTo(200);
  }

  @Test
  void aConvictionBlacklistsFor24HoursThenTheWeightRampsBackOver7Days() {
    ManualClock clock = new ManualClock();
    Scores s = new Scores(new MemoryScoreStore(), clock);
    double fresh = s.weight(a);
    s.convict(a);
    assertThat(s.score(a).score()).isZero();
    assertThat(s.blacklisted(a)).isTrue();
    assertThat(s.weight(a)).isZero();
    clock.advance(Duration.ofHours(23));
    assertThat(s.blacklisted(a)).isTrue();
    clock.advance(Duration.ofHours(2));
    assertThat(s.blacklisted(a)).isFalse();
    double early = s.weight(a);
    assertThat(early).isPositive();
    clock.advance(Duration.ofDays(3));
    double middle = s.weight(a);
    assertThat(middle).isGreaterThan(early);
    clock.advance(Duration.ofDays(5));
    // Ramp complete: only the score (0 after the conviction) holds it back now.
    assertThat(s.weight(a)).isGreaterThan(middle).isLessThan(fresh);
  }

  @Test
  void fasterServersWeighMore() {
    Scores s = new Scores(new MemoryScoreStore());
    s.latency(a, Duration.ofMillis(5));
    s.latency(b, Duration.ofMillis(500));
    assertThat(s.weight(a)).isGreaterThan(s.weight(b));
    s.latency(b, Duration.ofMillis(5));
    assertThat(s.score(b).latencyMs()).isBetween(5.0, 500.0);
  }

  @Test
  void scoresSurviveARestartInTheFileStore() throws Exception {
    Path file = dir.resolve("sub/scores.json");
    try (Scores s = new Scores(new FileScoreStore(file))) {
      s.record(a, ScoreEvent.SUCCESS);
      s.convict(b);
    }
    assertThat(Files.readString(file)).contains("tandem-client-scores-v1").contains(a.toString());
    try (Scores again = new Scores(new FileScoreStore(file))) {
      assertThat(again.score(a).score()).isEqualTo(51);
      assertThat(again.score(b).score()).isZero();
      assertThat(again.blacklisted(b)).isTrue();
    }
    try (var files = Files.list(file.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("scores.json");
    }
  }

  @Test
  void evidenceFeedPositionsAreKeptWithTheScoresTheirConvictionsWentInto() throws Exception {
    Path file = dir.resolve("scores.json");
    URI node = URI.create("http://127.0.0.1:7401");
    try (Scores s = new Scores(new FileScoreStore(file))) {
      assertThat(s.feedPositions()).isEmpty();
      s.convict(b);
      s.storeFeedPositions(Map.of(node, new LogPosition("0c6f", 17)));
      s.record(a, ScoreEvent.SUCCESS);
    }
    try (Scores again = new Scores(new FileScoreStore(file))) {
      assertThat(again.feedPositions()).containsExactly(Map.entry(node, new LogPosition("0c6f", 17)));
      assertThat(again.blacklisted(b)).isTrue();
      assertThat(again.score(a).score()).isEqualTo(51);
    }
    // A file written before feeds were read has none: read from the start.
    Files.writeString(file, "{\"type\":\"tandem-client-scores-v1\",\"servers\":{}}");
    try (Scores old = new Scores(new FileScoreStore(file))) {
      assertThat(old.feedPositions()).isEmpty();
    }
  }

  @Test
  void aDamagedFileIsReportedNotSilentlyReset() throws Exception {
    Path file = dir.resolve("scores.json");
    Files.writeString(file, "{not json");
    assertThatThrownBy(() -> new Scores(new FileScoreStore(file))).hasMessageContaining(file.toString())
        .hasMessageContaining("damaged");
  }
}
