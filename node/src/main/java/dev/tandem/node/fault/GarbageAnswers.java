package dev.tandem.node.fault;

import dev.tandem.node.api.ServiceCalls;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code garbage} fault: answers alternately with bytes that are not JSON, and with the real answer whose
 * attestation signatures are forged (one character of each changed, so they no longer verify).
 */
final class GarbageAnswers implements ServiceCalls {
  private static final byte[] NOT_JSON = "\u0000\u00ffnot json {\"jsonrpc\":".getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] SIG = "\"sig\":\"".getBytes(StandardCharsets.US_ASCII);

  private final ServiceCalls inner;
  private final AtomicLong count = new AtomicLong();

  GarbageAnswers(ServiceCalls inner) {
    this.inner = inner;
  }

  @Override
  public byte[] handle(String serviceId, byte[] body) {
    byte[] answer = inner.handle(serviceId, body);
    if (answer.length == 0) {
      return answer;
    }
    return count.incrementAndGet() % 2 == 1 ? NOT_JSON.clone() : forged(answer);
  }

  /** {@code answer} with the first character of every {@code "sig"} value changed (base64url stays base64url). */
  private static byte[] forged(byte[] answer) {
    byte[] out = answer.clone();
    for (int i = 0; i + SIG.length < out.length; i++) {
      if (matches(out, i)) {
        int at = i + SIG.length;
        out[at] = (byte) (out[at] == 'A' ? 'B' : 'A');
      }
    }
    return out;
  }

  private static boolean matches(byte[] b, int at) {
    for (int j = 0; j < SIG.length; j++) {
      if (b[at + j] != SIG[j]) {
        return false;
      }
    }
    return true;
  }
}
