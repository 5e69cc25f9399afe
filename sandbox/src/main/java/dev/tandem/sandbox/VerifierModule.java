package dev.tandem.sandbox;

import dev.tandem.core.wire.Verdict;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import java.nio.charset.StandardCharsets;

/**
 * A loaded verifier module (docs/protocol.md, "Verifiers and verdicts"): says how many responses a call needs
 * ({@link #minRequests()}) and which of them is right ({@link #verify}). Thread-safe; every verification runs in a
 * fresh instance.
 */
public final class VerifierModule {
  /** Largest {@code minRequests()} a verifier may ask for. */
  public static final int MAX_MIN_REQUESTS = 64;

  private final Sandbox sandbox;
  private final LoadedModule loaded;
  private final int minRequests;

  VerifierModule(Sandbox sandbox, LoadedModule loaded, int minRequests) {
    this.sandbox = sandbox;
    this.loaded = loaded;
    this.minRequests = minRequests;
  }

  public String cid() {
    return loaded.cid();
  }

  /** How many responses the client should collect before calling {@link #verify}. */
  public int minRequests() {
    return minRequests;
  }

  /** {@link #verify(byte[], Limits)} with {@link Limits#defaults()}. */
  public Verdict verify(byte[] inputJson) throws VerifierException {
    return verify(inputJson, Limits.defaults());
  }

  /**
   * Asks the verifier about a set of responses.
   *
   * @param inputJson {@code {"requests":[…],"responses":[{"server":key,"response":{…}}…]}}; it is canonicalized
   *                  (RFC 8785) before the verifier sees it, so equal responses have equal bytes
   * @throws IllegalArgumentException when the input is not JSON of that shape
   * @throws VerifierException when the verifier traps, times out, rejects the input or gives no valid verdict
   */
  public Verdict verify(byte[] inputJson, Limits limits) throws VerifierException {
    JsonNode input;
    byte[] canonical;
    try {
      input = Json.parse(inputJson);
      canonical = CanonicalJson.canonicalize(input);
    } catch (JsonFormatException | CanonicalJson.NotCanonicalizable e) {
      throw new IllegalArgumentException("verifier input is not canonicalizable JSON: " + e.getMessage(), e);
    }
    JsonNode responses = input.get("responses");
    if (!input.isObject() || responses == null || !responses.isArray()) {
      throw new IllegalArgumentException("verifier input must be an object with a \"responses\" array");
    }
    Invocation.Raw raw = sandbox.run(loaded, canonical, loaded.cid(), limits, inv -> inv.callWithMemory("verify"));
    if (!raw.completed()) {
      Outcome stopped = raw.stopped();
      String detail = stopped instanceof Outcome.Trap t ? t.detail()
          : stopped instanceof Outcome.NonDeterministic n ? n.detail() : "";
      throw new VerifierException("verifier " + cid() + " stopped: " + stopped.label() + " (" + detail + ")",
          stopped, null);
    }
    Outcome.Deterministic asResponse = ResponseDecoder.decode(raw.output(), raw.fuel(), raw.stderr());
    if (asResponse instanceof Outcome.ServiceError error) {
      throw new VerifierException("verifier " + cid() + " rejected its input: " + error.code() + " "
          + error.message(), error, null);
    }
    try {
      return Verdict.parse(raw.output(), responses.size());
    } catch (IllegalArgumentException e) {
      throw new VerifierException("verifier " + cid() + " gave no valid verdict: " + e.getMessage() + " (output: "
          + abbreviate(raw.output()) + ")", null, e);
    }
  }

  private static String abbreviate(byte[] output) {
    String text = new String(output, StandardCharsets.UTF_8);
    return text.length() <= 200 ? text : text.substring(0, 200) + "…";
  }

  @Override
  public String toString() {
    return "VerifierModule[" + cid() + ", minRequests=" + minRequests + "]";
  }
}
