package dev.tandem.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.score.ScoreEvent;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.wire.Attestation;
import java.net.URI;
import java.time.Duration;

/** What one server did with one request: a valid vote, or why its answer is not one. */
sealed interface Answer {
  /** The server asked (its registered key; for a home server not in the registry, the key it signed with). */
  PublicKey server();

  URI url();

  Duration latency();

  /**
   * A valid vote: the attestation verifies, names the server asked, the service, the client's own request hash and
   * the hash of the response the client recomputed.
   *
   * @param response  {@code {"result":…}} or {@code {"error":…}}, exactly what was signed
   * @param canonical its canonical form (RFC 8785), whose hash was checked: kept so it is made only once per answer
   */
  record Vote(PublicKey server, URI url, Attestation attestation, ObjectNode response, byte[] canonical,
      Duration latency) implements Answer {
    String responseHash() {
      return attestation.responseHash();
    }
  }

  /**
   * Not a vote.
   *
   * @param event  how it weighs on the server's score
   * @param reason one line: what was wrong
   */
  record Failure(PublicKey server, URI url, ScoreEvent event, String reason, Duration latency) implements Answer {}
}
