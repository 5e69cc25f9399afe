package dev.tandem.node.ipfs;

import dev.tandem.core.cid.Blocks;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.rpc.GatewayFetch;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a file by CID from trustless gateways ({@link GatewayFetch}: other Tandem nodes and IPFS gateways alike,
 * every block checked) unless the {@link BlockStore} has it. The checked blocks are kept in the store, so the file is
 * served here afterwards under the same CID.
 */
public final class ContentFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(ContentFetcher.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private final BlockStore blocks;
  private final HttpClient http;

  public ContentFetcher(BlockStore blocks, HttpClient http) {
    this.blocks = blocks;
    this.http = http;
  }

  /** The store this fetcher fills. */
  public BlockStore blocks() {
    return blocks;
  }

  /**
   * The bytes of the file {@code cid} names: from the block store, else from each source in turn.
   *
   * @param sources base URLs of trustless gateways, tried in order
   * @param maxBytes the largest file accepted
   * @throws IOException listing why each source failed when none gave the file
   */
  public byte[] fetch(Cid cid, Collection<URI> sources, long maxBytes) throws IOException {
    return fetch(cid, sources, maxBytes, blocks::put);
  }

  /**
   * As {@link #fetch(Cid, Collection, long)}, handing the checked blocks of a fetched file to {@code keep} instead of
   * the store (nothing when the store has the file), for a caller that stores them later.
   */
  public byte[] fetch(Cid cid, Collection<URI> sources, long maxBytes, GatewayFetch.Keep keep) throws IOException {
    try {
      return blocks.readFile(cid, maxBytes);
    } catch (Blocks.MissingBlockException e) {
      // not (all) here: fetch it
    }
    return download(cid, sources, maxBytes, TIMEOUT, keep);
  }

  /**
   * The file from {@code sources}, each asked in turn and given {@code timeout} for its answer to begin (and the
   * download time of {@code maxBytes} for the rest), without looking in the store first.
   */
  public byte[] download(Cid cid, Collection<URI> sources, long maxBytes, Duration timeout, GatewayFetch.Keep keep)
      throws IOException {
    // A module of megabytes from a slow source takes a while: the operator sees it move in the log.
    byte[] bytes = GatewayFetch.fetch(http, sources, cid, maxBytes, timeout, keep, LOG::info);
    LOG.info("fetched {} ({} bytes)", cid, bytes.length);
    return bytes;
  }
}
