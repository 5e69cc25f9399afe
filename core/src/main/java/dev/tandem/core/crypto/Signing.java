package dev.tandem.core.crypto;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.Optional;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Who makes Ed25519 signatures: libsodium ({@code crypto_sign_ed25519_detached}) through the JDK's foreign function
 * API when it can be used, BouncyCastle otherwise. Ed25519 signing is deterministic, so both give the same bytes for
 * the same key and message; libsodium takes about half the time, and one signature per answer is the largest share
 * of a node's work. Verification stays on BouncyCastle ({@link PublicKey#verify}): libraries disagree on some
 * malformed encodings, and every node must accept and reject exactly the same evidence.
 *
 * <p>libsodium is used when all of these hold, and otherwise BouncyCastle, with {@link #description()} saying why:
 * the JDK is 22 or newer (the project compiles for 21, where the foreign function API is a preview, so it is reached
 * by reflection once, at start, and called through a plain {@link MethodHandle} afterwards); native access is enabled
 * for this code ({@code --enable-native-access=ALL-UNNAMED}, as {@code ./tandem} runs the JVM; without it the JDK
 * would print a warning, so the library is not even looked up); and the library loads. The library is
 * {@code libsodium.so.23} (found as the system's loader finds it), or the file or name in the system property
 * {@value #LIBRARY_PROPERTY}.
 */
public final class Signing {
  /** System property naming the libsodium file (a path) or library name to load instead of the default. */
  public static final String LIBRARY_PROPERTY = "tandem.libsodium";
  static final String DEFAULT_LIBRARY = "libsodium.so.23";
  /**
   * Longer messages are signed by BouncyCastle: the native call is a critical one (it reads the Java arrays in
   * place, without copying), which holds up the garbage collector while it runs, so it is kept to short calls.
   */
  static final int MAX_NATIVE_MESSAGE = 64 * 1024;

  private static final Signing DEFAULT = load(System.getProperty(LIBRARY_PROPERTY, DEFAULT_LIBRARY));

  /** {@code (byte[] sig, byte[] message, long length, byte[] secretKey) -> int}, or null for BouncyCastle. */
  private final MethodHandle sodium;
  private final String description;

  private Signing(MethodHandle sodium, String description) {
    this.sodium = sodium;
    this.description = description;
  }

  /** The signer this JVM uses. */
  static Signing get() {
    return DEFAULT;
  }

  /** One line saying which implementation signs in this JVM, and why (for a node's start-up log). */
  public static String implementation() {
    return DEFAULT.description;
  }

  String description() {
    return description;
  }

  boolean isNative() {
    return sodium != null;
  }

  /**
   * The signature of {@code message} under {@code key}; {@code secret} is libsodium's form of the same key (the
   * 32-byte seed followed by the 32-byte public key).
   */
  byte[] sign(Ed25519PrivateKeyParameters key, byte[] secret, byte[] message) {
    if (sodium != null && message.length <= MAX_NATIVE_MESSAGE) {
      byte[] sig = new byte[64];
      int rc;
      try {
        rc = (int) sodium.invokeExact(sig, message, (long) message.length, secret);
      } catch (Throwable e) {
        throw new IllegalStateException("libsodium signing failed", e);
      }
      if (rc != 0) {
        throw new IllegalStateException("libsodium signing failed with " + rc);
      }
      return sig;
    }
    return bouncyCastle(key, message);
  }

  static byte[] bouncyCastle(Ed25519PrivateKeyParameters key, byte[] message) {
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, key);
    signer.update(message, 0, message.length);
    return signer.generateSignature();
  }

  /** The signer using {@code library} (a path, or a name the system's loader resolves) if it can, else BouncyCastle. */
  static Signing load(String library) {
    int feature = Runtime.version().feature();
    if (feature < 22) {
      return new Signing(null, "BouncyCastle (libsodium needs the foreign function API, final from JDK 22; this is JDK "
          + feature + ")");
    }
    try {
      if (!nativeAccessEnabled()) {
        return new Signing(null, "BouncyCastle (libsodium needs --enable-native-access=ALL-UNNAMED)");
      }
      MethodHandle handle = bind(library);
      return new Signing(handle, "libsodium (" + library + ")");
    } catch (Throwable e) {
      if (e instanceof VirtualMachineError vme) {
        throw vme;
      }
      Throwable cause = e instanceof InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : e;
      return new Signing(null, "BouncyCastle (libsodium " + library + " not usable: " + cause.getMessage() + ")");
    }
  }

  private static boolean nativeAccessEnabled() throws ReflectiveOperationException {
    return (boolean) Module.class.getMethod("isNativeAccessEnabled").invoke(Signing.class.getModule());
  }

  /** Looks up and binds libsodium's signing function; all reflection happens here, once. */
  private static MethodHandle bind(String library) throws Throwable {
    Class<?> arenaC = Class.forName("java.lang.foreign.Arena");
    Class<?> lookupC = Class.forName("java.lang.foreign.SymbolLookup");
    Class<?> segmentC = Class.forName("java.lang.foreign.MemorySegment");
    Class<?> layoutC = Class.forName("java.lang.foreign.MemoryLayout");
    Class<?> valueLayoutC = Class.forName("java.lang.foreign.ValueLayout");
    Class<?> descriptorC = Class.forName("java.lang.foreign.FunctionDescriptor");
    Class<?> linkerC = Class.forName("java.lang.foreign.Linker");
    Class<?> optionC = Class.forName("java.lang.foreign.Linker$Option");

    Object arena = arenaC.getMethod("global").invoke(null); // the library stays loaded for the JVM's life
    Object lookup = library.contains("/")
        ? lookupC.getMethod("libraryLookup", Path.class, arenaC).invoke(null, Path.of(library), arena)
        : lookupC.getMethod("libraryLookup", String.class, arenaC).invoke(null, library, arena);
    Object linker = linkerC.getMethod("nativeLinker").invoke(null);
    Object address = valueLayoutC.getField("ADDRESS").get(null);
    Object int32 = valueLayoutC.getField("JAVA_INT").get(null);
    Object int64 = valueLayoutC.getField("JAVA_LONG").get(null);

    // int sodium_init(void): 0 on success, 1 if already initialized, -1 on failure.
    Object noOptions = Array.newInstance(optionC, 0);
    MethodHandle init = downcall(lookupC, lookup, linkerC, linker, segmentC, layoutC, descriptorC, optionC,
        "sodium_init", int32, Array.newInstance(layoutC, 0), noOptions);
    int rc = (int) init.invoke();
    if (rc < 0) {
      throw new IllegalStateException("sodium_init failed");
    }

    // int crypto_sign_ed25519_detached(unsigned char *sig, unsigned long long *siglen_p,
    //     const unsigned char *m, unsigned long long mlen, const unsigned char *sk)
    Object args = Array.newInstance(layoutC, 5);
    Array.set(args, 0, address);
    Array.set(args, 1, address);
    Array.set(args, 2, address);
    Array.set(args, 3, int64);
    Array.set(args, 4, address);
    Object critical = Array.newInstance(optionC, 1); // lets the call read and write Java arrays in place
    Array.set(critical, 0, optionC.getMethod("critical", boolean.class).invoke(null, true));
    MethodHandle sign = downcall(lookupC, lookup, linkerC, linker, segmentC, layoutC, descriptorC, optionC,
        "crypto_sign_ed25519_detached", int32, args, critical);

    MethodHandle ofArray = MethodHandles.publicLookup()
        .findStatic(segmentC, "ofArray", MethodType.methodType(segmentC, byte[].class));
    Object nullSegment = segmentC.getField("NULL").get(null);
    sign = MethodHandles.insertArguments(sign, 1, nullSegment); // siglen_p: not wanted, always 64
    sign = MethodHandles.filterArguments(sign, 0, ofArray, ofArray, null, ofArray);
    return sign.asType(MethodType.methodType(int.class, byte[].class, byte[].class, long.class, byte[].class));
  }

  private static MethodHandle downcall(Class<?> lookupC, Object lookup, Class<?> linkerC, Object linker,
      Class<?> segmentC, Class<?> layoutC, Class<?> descriptorC, Class<?> optionC, String name, Object result,
      Object args, Object options) throws ReflectiveOperationException {
    Optional<?> symbol = (Optional<?>) lookupC.getMethod("find", String.class).invoke(lookup, name);
    if (symbol.isEmpty()) {
      throw new IllegalStateException("no symbol " + name);
    }
    Object descriptor = descriptorC.getMethod("of", layoutC, args.getClass()).invoke(null, result, args);
    return (MethodHandle) linkerC.getMethod("downcallHandle", segmentC, descriptorC, options.getClass())
        .invoke(linker, symbol.get(), descriptor, options);
  }
}
