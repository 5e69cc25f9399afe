package dev.tandem.client.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.rpc.LogPosition;
import dev.tandem.core.score.ScoreStore;
import dev.tandem.core.score.Scores;
import dev.tandem.core.score.ServerScore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scores in one JSON file, rewritten atomically (temporary file, fsync, rename) so a crash never leaves half a file:
 *
 * <pre>{@code
 * {"type":"tandem-client-scores-v1",
 *  "servers":{"ed25519:…":{"score":51,"convictedAt":0,"latencyMs":4.2,"updatedAt":1767225600000,
 *                          "successes":12,"failures":1,"confirmed":7}},
 *  "evidenceFeed":{"http://127.0.0.1:7401":{"cursor":17,"log":"0c6f2e9a41d8b7355e1f0a9c8d7b6e54"}}}
 * }</pre>
 *
 * <p>{@code evidenceFeed} is how far each node's {@code tandem_evidence} was read (its convictions are in
 * {@code servers} by then); it is optional.
 *
 * <p>Two processes sharing a file each write their own view; the last writer wins. That loses a few points of score,
 * never a verified answer, so no lock is taken.
 */
public final class FileScoreStore implements ScoreStore {
  public static final String TYPE = "tandem-client-scores-v1";
  private final Path file;
  private final Map<PublicKey, ServerScore> all = new TreeMap<>();
  private final Map<URI, LogPosition> feed = new TreeMap<>();
  private boolean loaded;

  public FileScoreStore(Path file) {
    this.file = file;
  }

  public Path file() {
    return file;
  }

  @Override
  public Map<PublicKey, ServerScore> loadAll() {
    all.clear();
    feed.clear();
    loaded = true;
    if (!Files.exists(file)) {
      return Map.of();
    }
    JsonNode json;
    try {
      json = Json.parse(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read scores file " + file + ": " + e.getMessage(), e);
    } catch (JsonFormatException e) {
      throw corrupt("not JSON: " + e.getMessage());
    }
    if (!TYPE.equals(json.path("type").asText())) {
      throw corrupt("\"type\" is not \"" + TYPE + "\"");
    }
    JsonNode servers = json.path("servers");
    if (!servers.isObject()) {
      throw corrupt("\"servers\" is not an object");
    }
    for (var it = servers.fields(); it.hasNext(); ) {
      var e = it.next();
      try {
        JsonNode s = e.getValue();
        all.put(PublicKey.parse(e.getKey()), new ServerScore(s.path("score").asInt(Scores.INITIAL),
            s.path("convictedAt").asLong(0), s.path("latencyMs").asDouble(0), s.path("updatedAt").asLong(0),
            s.path("successes").asLong(0), s.path("failures").asLong(0), s.path("confirmed").asLong(0)));
      } catch (IllegalArgumentException ex) {
        throw corrupt("servers." + e.getKey() + ": " + ex.getMessage());
      }
    }
    JsonNode positions = json.path("evidenceFeed");
    for (var it = positions.fields(); it.hasNext(); ) {
      var e = it.next();
      try {
        feed.put(URI.create(e.getKey()), new LogPosition(e.getValue().path("log").asText(""),
            e.getValue().path("cursor").asLong(0)));
      } catch (IllegalArgumentException ex) {
        throw corrupt("evidenceFeed." + e.getKey() + ": " + ex.getMessage());
      }
    }
    return Map.copyOf(all);
  }

  @Override
  public Map<URI, LogPosition> feedPositions() {
    if (!loaded) {
      loadAll();
    }
    return Map.copyOf(feed);
  }

  @Override
  public void storeFeedPositions(Map<URI, LogPosition> moved) {
    if (!loaded) {
      loadAll();
    }
    feed.putAll(moved);
    storeAll(Map.of());
  }

  private IllegalStateException corrupt(String why) {
    return new IllegalStateException("scores file " + file + " is damaged (" + why + "); move it away to start "
        + "with fresh scores");
  }

  @Override
  public void storeAll(Map<PublicKey, ServerScore> changed) {
    if (!loaded) {
      loadAll(); // never overwrite entries written by an earlier run that this instance has not read
    }
    all.putAll(changed);
    ObjectNode json = Json.object();
    json.put("type", TYPE);
    ObjectNode servers = json.putObject("servers");
    all.forEach((key, s) -> {
      ObjectNode o = servers.putObject(key.toString());
      o.put("score", s.score());
      o.put("convictedAt", s.convictedAt());
      o.put("latencyMs", Math.round(s.latencyMs() * 1000) / 1000.0);
      o.put("updatedAt", s.updatedAt());
      o.put("successes", s.successes());
      o.put("failures", s.failures());
      o.put("confirmed", s.confirmed());
    });
    if (!feed.isEmpty()) {
      ObjectNode positions = json.putObject("evidenceFeed");
      feed.forEach((node, at) -> positions.putObject(node.toString()).put("cursor", at.cursor()).put("log", at.log()));
    }
    try {
      write(json.toPrettyString() + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write scores file " + file + ": " + e.getMessage(), e);
    }
  }

  private void write(String text) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".scores-", ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
