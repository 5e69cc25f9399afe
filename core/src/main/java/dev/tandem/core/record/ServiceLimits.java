package dev.tandem.core.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import java.util.Set;

/**
 * What one call of a service may use: instructions (fuel), linear memory in 64 KiB pages, request and response
 * sizes, a wall-clock guard in milliseconds, and the bytes of the inputs a call names by CID, all together
 * ({@code maxInputBytes}, written in a record only when it is not the default, so older records keep their ids).
 */
public record ServiceLimits(long fuel, int memoryPages, int maxRequestBytes, int maxResponseBytes, int timeoutMs,
    long maxInputBytes) {
  /** Inputs by CID a call may name, in bytes, unless the record says otherwise. */
  public static final long DEFAULT_INPUT_BYTES = 16L << 20;
  public static final long MAX_INPUT_BYTES = 64L << 20;
  public static final long MAX_FUEL = 1_000_000_000_000L;
  public static final int MAX_PAGES = 32_767;
  public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
  public static final int MAX_TIMEOUT_MS = 120_000;
  /** Room in an answer for the JSON-RPC envelope and the attestation, beyond the canonical response. */
  static final int ANSWER_ENVELOPE_BYTES = 64 << 10;

  private static final Set<String> FIELDS =
      Set.of("fuel", "memoryPages", "maxRequestBytes", "maxResponseBytes", "timeoutMs", "maxInputBytes");

  public ServiceLimits {
    Fields.range("limits.fuel", fuel, 1, MAX_FUEL);
    Fields.range("limits.memoryPages", memoryPages, 1, MAX_PAGES);
    Fields.range("limits.maxRequestBytes", maxRequestBytes, 16, MAX_MESSAGE_BYTES);
    Fields.range("limits.maxResponseBytes", maxResponseBytes, 16, MAX_MESSAGE_BYTES);
    Fields.range("limits.timeoutMs", timeoutMs, 1, MAX_TIMEOUT_MS);
    Fields.range("limits.maxInputBytes", maxInputBytes, 0, MAX_INPUT_BYTES);
  }

  /** Limits with the default input allowance. */
  public ServiceLimits(long fuel, int memoryPages, int maxRequestBytes, int maxResponseBytes, int timeoutMs) {
    this(fuel, memoryPages, maxRequestBytes, maxResponseBytes, timeoutMs, DEFAULT_INPUT_BYTES);
  }

  /**
   * The longest answer to one call that an honest node sends, in bytes; clients read no more of an answer. It is the
   * module's output of up to {@code maxResponseBytes} once canonicalized, which can make it longer (a number written
   * {@code 1e20}, 4 bytes, is 21 digits in canonical JSON), in the JSON-RPC envelope with the attestation.
   */
  public long maxAnswerBytes() {
    return (long) maxResponseBytes * 21 / 4 + ANSWER_ENVELOPE_BYTES;
  }

  public ServiceLimits withMaxInputBytes(long bytes) {
    return new ServiceLimits(fuel, memoryPages, maxRequestBytes, maxResponseBytes, timeoutMs, bytes);
  }

  /** Sane defaults: 1e9 fuel, 16 MiB memory, 1 MiB in and out, 5 s. */
  public static ServiceLimits defaults() {
    return new ServiceLimits(1_000_000_000L, 256, 1 << 20, 1 << 20, 5_000);
  }

  public ServiceLimits withFuel(long newFuel) {
    return new ServiceLimits(newFuel, memoryPages, maxRequestBytes, maxResponseBytes, timeoutMs, maxInputBytes);
  }

  public ServiceLimits withMemoryPages(int pages) {
    return new ServiceLimits(fuel, pages, maxRequestBytes, maxResponseBytes, timeoutMs, maxInputBytes);
  }

  ObjectNode toJson() {
    ObjectNode json = Json.object();
    json.put("fuel", fuel);
    json.put("memoryPages", memoryPages);
    json.put("maxRequestBytes", maxRequestBytes);
    json.put("maxResponseBytes", maxResponseBytes);
    json.put("timeoutMs", timeoutMs);
    if (maxInputBytes != DEFAULT_INPUT_BYTES) {
      json.put("maxInputBytes", maxInputBytes);
    }
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
          (int) Fields.integer(json, "timeoutMs", 1, MAX_TIMEOUT_MS),
          json.has("maxInputBytes") ? Fields.integer(json, "maxInputBytes", 0, MAX_INPUT_BYTES)
              : DEFAULT_INPUT_BYTES);
    } catch (RecordException e) {
      throw e.field().startsWith("limits.") ? e : e.within("limits");
    }
  }
}
