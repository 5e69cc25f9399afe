package dev.tandem.registry.gossip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.record.ServerRecord;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.registry.Registry;
import java.io.IOException;

/** Reading a peer's {@code tandem_recordIndex} answers: its entries, and what says the peer has no index. */
final class IndexEntries {
  private IndexEntries() {}

  /** An index entry as the peer sent it, or null when it is not one (skipped: the records it names are checked). */
  static Registry.Entry entry(JsonNode json) {
    String type = json.path("type").asText("");
    JsonNode id = json.path("id");
    JsonNode seq = json.path("seq");
    if (!id.isTextual() || id.asText().isEmpty() || id.asText().length() > 200) {
      return null;
    }
    return switch (type) {
      case ServiceRecord.TYPE -> new Registry.Entry(type, id.asText(), 0);
      case ServerRecord.TYPE -> seq.isIntegralNumber() && seq.canConvertToLong() && seq.asLong() >= 0
          ? new Registry.Entry(type, id.asText(), seq.asLong()) : null;
      default -> null;
    };
  }

  /** The peer does not answer {@code tandem_recordIndex}: it is pulled with {@code tandem_records} instead. */
  static final class NoIndex extends IOException {
    NoIndex(String why) {
      super(why);
    }
  }

}
