package dev.tandem.node.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import dev.tandem.core.wire.Methods;
import dev.tandem.core.wire.RpcParams;
import dev.tandem.node.store.EvidenceTable;
import dev.tandem.node.store.NodeDb;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tandem_evidence}: the evidence this node stored whose verdict convicted someone, in the order it was stored,
 * so that nodes which were down or cut off when it went round can pull it ({@link EvidenceSync}).
 *
 * <p>{@code params = {"cursor": n, "limit": m}}, both optional: from the start ({@code 0}) and
 * {@value #DEFAULT_LIMIT} items; a limit above {@value #MAX_LIMIT} is lowered to it. The result is
 * {@code {"evidence": [E…], "next": n, "more": bool, "log": id}}: each {@code E} as {@code tandem_submitEvidence}
 * takes it; call again with {@code next} while {@code more}. Pages also stop at about {@value #PAGE_CHARS} characters
 * of evidence (but always hold at least one item), so one page stays a modest answer whatever the responses weigh.
 *
 * <p>A cursor is a position in one {@code node.db}'s log, named by {@code log} ({@link NodeDb#evidenceLogId()}): a
 * reader that finds another id than the one its cursor came from starts again from 0. When a page holds nothing,
 * {@code next} is the end of the log, so a {@code next} lower than the cursor sent means the same.
 *
 * <p>Bad params are an {@link IllegalArgumentException} naming the parameter ({@code -32602} on the wire).
 */
public final class EvidenceFeed {
  private static final Logger LOG = LoggerFactory.getLogger(EvidenceFeed.class);
  /** The method's name. */
  public static final String METHOD = Methods.EVIDENCE;
  /** Items in a page when the caller names no limit. */
  public static final int DEFAULT_LIMIT = 50;
  /** The most items in a page: each may mean a re-run for the caller. */
  public static final int MAX_LIMIT = 50;
  /** Characters of evidence JSON after which a page ends early. */
  static final int PAGE_CHARS = 4 << 20;

  private static final long MAX_CURSOR = (1L << 53) - 1; // what a JSON number carries exactly
  private static final Set<String> PARAMS = Set.of("cursor", "limit");

  private final EvidenceTable table;
  private final String logId;

  /** A feed of the evidence stored in {@code table}. */
  public EvidenceFeed(EvidenceTable table) {
    this.table = table;
    this.logId = table.logId();
  }

  /**
   * One page of convicting evidence after {@code cursor}.
   *
   * @param evidence the evidence JSON objects, in the order stored
   * @param next the cursor to ask from next
   * @param more whether more convicting evidence follows
   */
  public record Page(List<JsonNode> evidence, long next, boolean more) {
    public Page {
      evidence = List.copyOf(evidence);
    }
  }

  /**
   * Answers {@code tandem_evidence}.
   *
   * @throws IllegalArgumentException when the params are not as documented above
   */
  public ObjectNode handle(JsonNode params) {
    JsonNode p = RpcParams.object(params, METHOD, PARAMS);
    BigInteger cursor = RpcParams.integer(p, "cursor", 0, 0);
    if (cursor.compareTo(BigInteger.valueOf(MAX_CURSOR)) > 0) {
      throw new IllegalArgumentException("params.cursor must be at most " + MAX_CURSOR + ", got " + cursor);
    }
    // An over-large limit is lowered rather than refused: the caller pages on with next/more either way.
    int limit = RpcParams.integer(p, "limit", DEFAULT_LIMIT, 1).min(BigInteger.valueOf(MAX_LIMIT)).intValueExact();
    Page page = since(cursor.longValueExact(), limit);
    ObjectNode result = Json.object();
    ArrayNode items = result.putArray("evidence");
    page.evidence().forEach(items::add);
    result.put("next", page.next());
    result.put("more", page.more());
    result.put("log", logId);
    return result;
  }

  /**
   * Up to {@code limit} items of convicting evidence stored after {@code cursor}.
   *
   * @throws IllegalStateException when {@code node.db} cannot be read
   */
  public Page since(long cursor, int limit) {
    List<JsonNode> items = new ArrayList<>();
    long[] next = {cursor};
    boolean[] more = {false};
    long[] chars = {0};
    // One more than asked: tells whether more follow.
    long end = table.convicting(cursor, limit + 1, (seq, json) -> {
      if (items.size() == limit || (!items.isEmpty() && chars[0] >= PAGE_CHARS)) {
        more[0] = true;
        return false;
      }
      next[0] = seq;
      chars[0] += json.length();
      try {
        items.add(Json.parse(json));
      } catch (JsonFormatException e) {
        // Stored by this node from checked evidence: unreadable only if the file was damaged. Skip it.
        LOG.warn("evidence #{} in node.db is not valid JSON; not served: {}", seq, e.getMessage());
      }
      return true;
    });
    return new Page(items, items.isEmpty() && !more[0] ? end : next[0], more[0]);
  }
}
