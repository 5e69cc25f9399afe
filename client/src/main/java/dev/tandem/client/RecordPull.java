package dev.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.record.RecordException;
import dev.tandem.core.record.SignedRecord;
import dev.tandem.core.rpc.JsonRpcClient;
import dev.tandem.core.rpc.LogFollower;
import dev.tandem.core.rpc.LogPosition;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.rpc.Transport;
import dev.tandem.core.wire.Methods;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pull of one bootstrap node's record log ({@code tandem_records}) for the {@link Directory}, from where the last
 * one stopped. Every record read is validated and its signature checked here, and a bad one dropped: a node can
 * withhold records but never forge or alter one. Bounded: at most {@value #MAX_PAGES} pages of {@value #PAGE}
 * records, read for at most {@link #PULL_TIME}.
 */
final class RecordPull {
  private static final Logger LOG = LoggerFactory.getLogger(RecordPull.class);
  private static final int PAGE = 1000;
  private static final int MAX_PAGES = 1000;
  /** How long one pull from one node may read pages (each also bounded by the bootstrap timeout). */
  private static final Duration PULL_TIME = Duration.ofSeconds(60);
  private static final LogFollower FOLLOWER = new LogFollower(Methods.RECORDS, "records", MAX_PAGES, PAGE);

  /**
   * What one pull brought.
   *
   * @param node    the node pulled from
   * @param next    its cursor after the last page read (-1 for a lookup, which reads no log)
   * @param log     the id of the log that cursor belongs to (null for a lookup)
   * @param records the valid records read
   */
  record Result(URI node, long next, String log, List<SignedRecord> records) {}

  private RecordPull() {}

  /**
   * Reads {@code node}'s log from {@code cursor} in {@code knownLog} ({@code ""} before the first pull).
   *
   * @throws IOException when the node cannot be reached, answers with an error or with pages of the wrong shape
   */
  static Result from(URI node, long cursor, String knownLog, Transport transport, Duration timeout, Clock clock)
      throws IOException, InterruptedException {
    JsonRpcClient client = new JsonRpcClient(transport, timeout);
    URI endpoint = NodeUrls.rpc(node);
    List<SignedRecord> out = new ArrayList<>();
    LogFollower.Result end;
    // One pull ends after PULL_TIME whatever the node sends; the next refresh goes on from where it stopped.
    long until = clock.millis() + PULL_TIME.toMillis();
    try {
      end = FOLLOWER.follow(new LogPosition(knownLog, cursor),
          at -> client.call(endpoint, Methods.RECORDS, Methods.page(at, PAGE)), json -> {
            SignedRecord r = validate(json, node);
            if (r != null) {
              out.add(r);
            }
            return true;
          }, (to, restart) -> { }, () -> clock.millis() < until);
    } catch (JsonRpcClient.RpcError e) {
      throw new IOException("it answered " + Methods.RECORDS + " with an error: " + e.getMessage(), e);
    }
    return new Result(node, end.position().cursor(), end.position().log(), out);
  }

  /** The record {@code json} if it is valid and signed by its key; null (logged) otherwise. */
  static SignedRecord validate(JsonNode json, URI from) {
    try {
      SignedRecord r = SignedRecord.fromJson(json);
      r.verifySignature();
      return r;
    } catch (RecordException e) {
      LOG.debug("record from {} rejected: {}", from, e.getMessage());
      return null;
    }
  }
}
