package dev.tandem.client.referee;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.cid.UnixFs;
import dev.tandem.core.rpc.FetchProgress;
import dev.tandem.core.rpc.NodeUrls;
import dev.tandem.core.rpc.Transport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * One module fetched whole from one node ({@code GET /ipfs/{cid}}) and checked against its CID: the node is not
 * trusted, only the hash is. The referee's {@link ModuleCache} fetches through it, and so does
 * {@code NodeClient.module}, so that the node client depends on the referee's package and not the other way round.
 */
public final class ModuleFetch {
  private ModuleFetch() {}

  /**
   * The bytes of {@code cid} from the node at {@code node}.
   *
   * @throws IOException when the node cannot be reached, does not have it, sends more than {@code maxBytes}, or sends
   *     bytes that do not hash to {@code cid}
   */
  public static byte[] get(Transport transport, URI nodeUrl, Cid cid, int maxBytes, Duration timeout)
      throws IOException {
    return get(transport, nodeUrl, cid, maxBytes, timeout, null);
  }

  /**
   * As {@link #get(Transport, URI, Cid, int, Duration)}, with progress lines of a long download
   * ({@link FetchProgress}) going to {@code progress} (null: none).
   */
  public static byte[] get(Transport transport, URI nodeUrl, Cid cid, int maxBytes, Duration timeout,
      Consumer<String> progress) throws IOException {
    URI node = NodeUrls.base(nodeUrl);
    Transport.Progress told = FetchProgress.of("fetching module " + cid + " from " + node, progress);
    Transport.Reply res = send(transport, node, Transport.Request.get(URI.create(node + "/ipfs/" + cid), timeout)
        .limit(maxBytes + 1L).progress(told).download());
    if (res.status() != 200) {
      throw new IOException(node + " does not serve module " + cid + " (HTTP " + res.status() + ")");
    }
    byte[] bytes = res.body();
    if (bytes.length > maxBytes) {
      throw new IOException(node + " sent " + bytes.length + " bytes for module " + cid + ", the limit is "
          + maxBytes);
    }
    // A dag-pb CID may be any of the DAGs Kubo makes (CIDv1 means raw leaves unless told otherwise).
    Cid actual = cid.isRaw() ? Cid.rawSha256(bytes) : UnixFs.kuboCid(bytes, cid.version(), cid.version() == 1);
    if (!actual.equals(cid) && (cid.isRaw() || !UnixFs.kuboCids(new ByteArrayInputStream(bytes)).contains(cid))) {
      throw new IOException(node + " sent bytes for module " + cid + " that hash to " + actual);
    }
    FetchProgress.done(told, bytes.length);
    return bytes;
  }

  /**
   * Sends {@code req} to {@code node} and waits for the reply, turning the transport's failures into messages that
   * name the node (every request of the client to one node goes through here).
   */
  public static Transport.Reply send(Transport transport, URI node, Transport.Request req) throws IOException {
    try {
      return transport.send(req).get();
    } catch (ExecutionException e) {
      throw switch (e.getCause()) {
        case ConnectException c -> new IOException("cannot reach node at " + node + " (connection refused)");
        case HttpTimeoutException t -> new IOException("node at " + node + " did not answer in time");
        case IOException io -> io;
        case null -> new IOException(e);
        default -> new IOException(e.getCause().getMessage(), e.getCause());
      };
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }
}
