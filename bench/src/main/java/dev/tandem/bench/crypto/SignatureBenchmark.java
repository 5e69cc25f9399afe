package dev.tandem.bench.crypto;

import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.crypto.Signing;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * {@code tandem bench signatures}: Ed25519 signing and verification on this machine, one thread, in CPU time per
 * operation: as Tandem does them ({@link KeyPair#sign}, which uses libsodium where it can, and
 * {@link PublicKey#verify}, BouncyCastle), BouncyCastle alone, and the JDK's own provider. Every signature made is
 * checked by the others, so a run also shows that they agree byte for byte.
 */
public final class SignatureBenchmark {
  /**
   * Settings.
   *
   * @param operations timed signatures and verifications per implementation
   * @param warmUp     untimed ones before, for the JIT
   * @param messageBytes the length of the signed message (an attestation is about 200 bytes)
   */
  public record Options(int operations, int warmUp, int messageBytes) {}

  private SignatureBenchmark() {}

  /** One implementation's sign and verify; a verify returns whether the signature holds. */
  private interface Impl {
    byte[] sign(byte[] message) throws Exception;

    boolean verify(byte[] message, byte[] signature) throws Exception;
  }

  private record Row(String name, double signMicros, double verifyMicros) {}

  public static int run(PrintStream out, Options o) throws Exception {
    SplittableRandom random = new SplittableRandom(1);
    byte[] seed = new byte[32];
    random.nextBytes(seed);
    KeyPair tandem = KeyPair.fromSeed(seed);
    Ed25519PrivateKeyParameters bcKey = new Ed25519PrivateKeyParameters(seed, 0);
    Ed25519PublicKeyParameters bcPublic = bcKey.generatePublicKey();
    java.security.KeyPair jdkKeys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();

    Impl asTandem = new Impl() {
      @Override
      public byte[] sign(byte[] message) {
        return tandem.sign(message);
      }

      @Override
      public boolean verify(byte[] message, byte[] signature) {
        return tandem.publicKey().verify(message, signature);
      }
    };
    Impl bouncyCastle = new Impl() {
      @Override
      public byte[] sign(byte[] message) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, bcKey);
        signer.update(message, 0, message.length);
        return signer.generateSignature();
      }

      @Override
      public boolean verify(byte[] message, byte[] signature) {
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, bcPublic);
        verifier.update(message, 0, message.length);
        return verifier.verifySignature(signature);
      }
    };
    Impl jdk = new Impl() {
      @Override
      public byte[] sign(byte[] message) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(jdkKeys.getPrivate());
        s.update(message);
        return s.sign();
      }

      @Override
      public boolean verify(byte[] message, byte[] signature) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(jdkKeys.getPublic());
        s.update(message);
        return s.verify(signature);
      }
    };

    out.printf(Locale.ROOT, "Ed25519, one thread, %,d operations after %,d of warm-up, %d-byte messages, CPU time%n",
        o.operations(), o.warmUp(), o.messageBytes());
    out.printf(Locale.ROOT, "JVM %s on %d cores; Tandem signs with %s%n%n", Runtime.version(),
        Runtime.getRuntime().availableProcessors(), Signing.implementation());

    byte[][] messages = new byte[64][o.messageBytes()];
    for (byte[] m : messages) {
      random.nextBytes(m);
    }
    // The same key signs for Tandem and BouncyCastle: Ed25519 is deterministic, so their signatures must be equal.
    for (byte[] m : messages) {
      if (!java.util.Arrays.equals(asTandem.sign(m), bouncyCastle.sign(m)) || !bouncyCastle.verify(m, asTandem.sign(m))
          || !asTandem.verify(m, bouncyCastle.sign(m))) {
        out.println("MISMATCH: Tandem's signer and BouncyCastle disagree");
        return 1;
      }
    }
    List<Row> rows = new ArrayList<>();
    rows.add(measure("Tandem (sign: " + shortName(Signing.implementation()) + "; verify: BouncyCastle)", asTandem,
        messages, o));
    rows.add(measure("BouncyCastle alone", bouncyCastle, messages, o));
    rows.add(measure("JDK (SunEC)", jdk, messages, o));

    double bcSign = rows.get(1).signMicros();
    double bcVerify = rows.get(1).verifyMicros();
    out.println("Ed25519 per operation, CPU time of one thread:");
    out.println();
    out.println("| implementation | sign µs | signs/s | verify µs | verifies/s | sign vs BouncyCastle "
        + "| verify vs BouncyCastle |");
    out.println("|---|---:|---:|---:|---:|---:|---:|");
    for (Row r : rows) {
      out.printf(Locale.ROOT, "| %s | %.1f | %,.0f | %.1f | %,.0f | %.2f× | %.2f× |%n", r.name(), r.signMicros(),
          1e6 / r.signMicros(), r.verifyMicros(), 1e6 / r.verifyMicros(), r.signMicros() / bcSign,
          r.verifyMicros() / bcVerify);
    }
    return 0;
  }

  private static String shortName(String implementation) {
    int paren = implementation.indexOf(" (");
    return paren < 0 ? implementation : implementation.substring(0, paren);
  }

  private static Row measure(String name, Impl impl, byte[][] messages, Options o) throws Exception {
    byte[][] signatures = new byte[messages.length][];
    for (int i = 0; i < messages.length; i++) {
      signatures[i] = impl.sign(messages[i]);
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int sink = 0;
    for (int i = 0; i < o.warmUp(); i++) {
      sink += impl.sign(messages[i % messages.length])[0];
      sink += impl.verify(messages[i % messages.length], signatures[i % messages.length]) ? 1 : 0;
    }
    long t0 = threads.getCurrentThreadCpuTime();
    for (int i = 0; i < o.operations(); i++) {
      sink += impl.sign(messages[i % messages.length])[0];
    }
    long t1 = threads.getCurrentThreadCpuTime();
    int verified = 0;
    for (int i = 0; i < o.operations(); i++) {
      verified += impl.verify(messages[i % messages.length], signatures[i % messages.length]) ? 1 : 0;
    }
    long t2 = threads.getCurrentThreadCpuTime();
    if (verified != o.operations()) {
      throw new IllegalStateException(name + ": " + (o.operations() - verified) + " signatures did not verify");
    }
    if (sink == 42) { // keeps the JIT from dropping the signatures
      System.err.print("");
    }
    return new Row(name, (t1 - t0) / 1e3 / o.operations(), (t2 - t1) / 1e3 / o.operations());
  }
}
