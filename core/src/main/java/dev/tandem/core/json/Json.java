package dev.tandem.core.json;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The one strict JSON parser of the project: duplicate keys, trailing tokens, non-standard literals and invalid
 * UTF-8 are errors, and nesting and sizes are bounded, so hostile input fails fast and the same way everywhere.
 */
public final class Json {
  /** Deepest nesting accepted; deeper documents are rejected before they can exhaust a stack. */
  public static final int MAX_DEPTH = 128;

  private static final ObjectMapper MAPPER = JsonMapper.builder(
          com.fasterxml.jackson.core.JsonFactory.builder()
              .streamReadConstraints(StreamReadConstraints.builder()
                  .maxNestingDepth(MAX_DEPTH)
                  .maxNumberLength(400)
                  .maxStringLength(64 * 1024 * 1024)
                  .build())
              .build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
      .disable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .build();

  private Json() {}

  /** The shared, strictly configured mapper (thread-safe). */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static JsonNodeFactory nodes() {
    return JsonNodeFactory.instance;
  }

  public static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  /** Parses one JSON document; the message of the exception says what is wrong and where. */
  public static JsonNode parse(byte[] utf8) throws JsonFormatException {
    try {
      JsonNode node = MAPPER.readTree(utf8);
      if (node == null || node.isMissingNode()) {
        throw new JsonFormatException("empty document");
      }
      return node;
    } catch (IOException e) {
      throw new JsonFormatException(describe(e), e);
    }
  }

  public static JsonNode parse(String text) throws JsonFormatException {
    return parse(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String describe(IOException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    // Jackson appends a source excerpt after a newline; the first line says what is wrong, the location where.
    int newline = message.indexOf('\n');
    String first = newline < 0 ? message : message.substring(0, newline);
    // ...and may quote where a structure started ("start marker at [Source: …; line: 1, column: 1]"): noise here.
    first = first.replaceAll("\\s*\\(start marker at \\[Source:[^\\]]*\\]\\)", "");
    if (e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe && jpe.getLocation() != null) {
      return first + " (at byte " + jpe.getLocation().getByteOffset() + ")";
    }
    return first;
  }
}
