package dev.tandem.cli.demo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The demo's workload: call number {@code i} is always the same request, so a run can be repeated and a result
 * re-checked. Calls go round the three services: a full-text search, an integer matrix power, a sealed message.
 */
public final class DemoCalls {
  /** One call to make. */
  public record Call(int number, String service, String method, ObjectNode params) {}

  private static final List<String> QUERIES = List.of("sqlite database", "python library", "network tools",
      "image viewer", "compression", "http server", "font", "kernel module", "audio player", "xml parser",
      "terminal emulator", "git", "json", "ssl certificates", "documentation", "perl module", "java runtime",
      "spell checker", "backup", "dns");
  private static final List<String> TOPICS = List.of("news", "chat", "alerts", "blocks");

  private DemoCalls() {}

  /** Call {@code number} (from 1) of the workload seeded with {@code seed}. */
  public static Call call(int number, long seed) {
    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + number);
    ObjectNode p = Json.object();
    return switch (number % 3) {
      case 1 -> {
        p.put("q", QUERIES.get(r.nextInt(QUERIES.size())));
        p.put("limit", 1 + r.nextInt(5));
        yield new Call(number, DemoLayout.SEARCH, "query", p);
      }
      case 2 -> {
        int n = 2 + r.nextInt(3);
        ArrayNode a = p.putArray("a");
        for (int i = 0; i < n; i++) {
          ArrayNode row = a.addArray();
          for (int j = 0; j < n; j++) {
            row.add(r.nextInt(7) - 3);
          }
        }
        p.put("k", 1 + r.nextInt(12));
        yield new Call(number, DemoLayout.MATRIX, "power", p);
      }
      default -> {
        p.put("payload", "message " + number + " from the demo");
        p.put("topic", TOPICS.get(r.nextInt(TOPICS.size())));
        yield new Call(number, DemoLayout.WHISPER, "seal", p);
      }
    };
  }
}
