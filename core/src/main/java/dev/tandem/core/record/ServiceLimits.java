package dev.tandem.core.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import java.util.Set;

/**
 * What one call of a service may use: instructions (fuel), linear memory in 64 KiB pages, request and response
 * sizes, and a wall-clock guard in milliseconds.
 */
public record ServiceLimits(long fuel, int memoryPages, int maxRequestBytes, int maxResponseBytes, int timeoutMs) {
  public static final long MAX_FUEL = 1_000_000_000_000L;
  public static final int MAX_PAGES = 32_767;
  public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
  public static final int MAX_TIMEOUT_MS = 120_000;

  private static final Set<String> FIELDS =
      Set.of("fuel", "memoryPages", "maxRequestBytes", "maxResponseBytes", "timeoutMs");

  public ServiceLimits {
    Fields.range("limits.fuel", fuel, 1, MAX_FUEL);
    Fields.range("limits.memoryPages", memoryPages, 1, MAX_PAGES);
    Fields.range("limits.maxRequestBytes", maxRequestBytes, 16, MAX_MESSAGE_BYTES);
    Fields.range("limits.maxResponseBytes", maxResponseBytes, 16, MAX_MESSAGE_BYTES);
    Fields.range("limits.timeoutMs", timeoutMs, 1, MAX_TIMEOUT_MS);
  }

  /** Sane defaults: 1e9 fuel, 16 MiB memory, 1 MiB in and out, 5 s. */
  public static ServiceLimits defaults() {
    return new ServiceLimits(1_000_000_000L, 256, 1 << 20, 1 << 20, 5_000);
  }

  public ServiceLimits withFuel(long newFuel) {
    return new ServiceLimits(newFuel, memoryPages, maxRequestBytes, maxResponseBytes, timeoutMs);
  }

  public ServiceLimits withMemoryPages(int pages) {
    return new ServiceLimits(fuel, pages, maxRequestBytes, maxResponseBytes, timeoutMs);
  }

  ObjectNode toJson() {
    ObjectNode json = Json.object();
    json.put("fuel", fuel);
    json.put("memoryPages", memoryPages);
    json.put("maxRequestBytes", maxRequestBytes);
    json.put("maxResponseBytes", maxResponseBytes);
    json.put("timeoutMs", timeoutMs);
    return json;
  }

  static ServiceLimits fromJson(JsonNode json) {
    if (json == null || !json.isObject()) {
      throw new RecordException("limits", "must be an object");
    }
    for (var it = json.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!FIELDS.contains(name)) {
        throw new RecordException("limits." + name, "unknown field");
      }
    }
    try {
      return new ServiceLimits(
          Fields.integer(json, "fuel", 1, MAX_FUEL),
          (int) Fields.integer(json, "memoryPages", 1, MAX_PAGES),
          (int) Fields.integer(json, "maxRequestBytes", 16, MAX_MESSAGE_BYTES),
          (int) Fields.integer(json, "maxResponseBytes", 16, MAX_MESSAGE_BYTES),
          (int) Fields.integer(json, "timeoutMs", 1, MAX_TIMEOUT_MS));
    } catch (RecordException e) {
      throw e.field().startsWith("limits.") ? e : e.within("limits");
    }
  }
}
