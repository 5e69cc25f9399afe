package dev.tandem.core.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How an OCI service runs: its image pinned by digest ({@code REGISTRY/REPO@sha256:DIGEST}; the digest is the
 * service's code identity, as the CID is for a WebAssembly module, so tags are refused), the port and path it answers
 * on inside the container, and the container's limits. The call timeout and the request and response sizes are the
 * record's {@link ServiceLimits}; fuel does not apply.
 *
 * @param image     {@code REGISTRY/REPO@sha256:<64 hex>}
 * @param port      the TCP port the service listens on inside the container
 * @param path      the HTTP path that takes {@code POST}ed calls, starting with {@code /}
 * @param memoryMiB the container's memory (and memory+swap) limit
 * @param milliCpus CPU time, in thousandths of a CPU
 * @param pids      the most processes and threads the container may hold
 */
public record OciSpec(String image, int port, String path, int memoryMiB, int milliCpus, int pids) {
  public static final String RUNTIME = "oci";
  private static final Pattern IMAGE = Pattern.compile(
      "[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)+@sha256:[0-9a-f]{64}");
  private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._~/-]{0,254}");
  private static final Set<String> FIELDS = Set.of("port", "path", "memoryMiB", "milliCpus", "pids");

  public OciSpec {
    image(image);
    Fields.range("container.port", port, 1, 65_535);
    if (path == null || !PATH.matcher(path).matches()) {
      throw new RecordException("container.path", "must start with '/' and hold only letters, digits and ._~/-");
    }
    Fields.range("container.memoryMiB", memoryMiB, 4, 65_536);
    Fields.range("container.milliCpus", milliCpus, 10, 64_000);
    Fields.range("container.pids", pids, 1, 4_096);
  }

  /** An image listening on {@code port} at {@code /}, with 64 MiB, half a CPU and 32 processes. */
  public static OciSpec of(String image, int port) {
    return new OciSpec(image, port, "/", 64, 500, 32);
  }

  /** Checks an image reference: a tag or a bare name is refused with what to write instead. */
  public static String image(String image) {
    if (image == null || image.isEmpty()) {
      throw new RecordException("image", "is required for runtime \"oci\"");
    }
    Fields.checkLength("image", image, 512);
    if (!IMAGE.matcher(image).matches()) {
      String why = image.contains("@") ? "a digest must be sha256: followed by 64 lowercase hex digits"
          : "a tag or bare name is not an identity";
      throw new RecordException("image", "must be pinned by digest as REGISTRY/REPO@sha256:DIGEST (" + why
          + "); got \"" + (image.length() <= 80 ? image : image.substring(0, 77) + "...") + "\"");
    }
    return image;
  }

  /** The {@code sha256:…} digest of the image. */
  public String digest() {
    return image.substring(image.indexOf('@') + 1);
  }

  /** The repository part, {@code REGISTRY/REPO}. */
  public String repository() {
    return image.substring(0, image.indexOf('@'));
  }

  ObjectNode containerJson() {
    ObjectNode json = Json.object();
    json.put("port", port);
    json.put("path", path);
    json.put("memoryMiB", memoryMiB);
    json.put("milliCpus", milliCpus);
    json.put("pids", pids);
    return json;
  }

  static OciSpec fromJson(String image, JsonNode container) {
    image(image);
    if (container == null || !container.isObject()) {
      throw new RecordException("container", "must be an object for runtime \"oci\"");
    }
    for (var it = container.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!FIELDS.contains(name)) {
        throw new RecordException("container." + name, "unknown field");
      }
    }
    try {
      return new OciSpec(image,
          (int) Fields.integer(container, "port", 1, 65_535),
          Fields.string(container, "path", 256, true),
          (int) Fields.integer(container, "memoryMiB", 4, 65_536),
          (int) Fields.integer(container, "milliCpus", 10, 64_000),
          (int) Fields.integer(container, "pids", 1, 4_096));
    } catch (RecordException e) {
      throw e.field().startsWith("container.") ? e : e.within("container");
    }
  }
}
