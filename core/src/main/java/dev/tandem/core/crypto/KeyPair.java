package dev.tandem.core.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * An Ed25519 signing key and its public key. Signs with libsodium where it can, else BouncyCastle (see
 * {@link Signing}: same signatures either way); BouncyCastle is about 12× faster here than the JDK's provider.
 *
 * <p>Key file format (JSON, owner-only permissions {@code rw-------}):
 * <pre>{"type":"tandem-ed25519-key-v1","publicKey":"ed25519:…","seed":"&lt;base64 of the 32-byte seed&gt;"}</pre>
 */
public final class KeyPair {
  private static final String FILE_TYPE = "tandem-ed25519-key-v1";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private final Ed25519PrivateKeyParameters privateKey;
  private final PublicKey publicKey;
  /** libsodium's form of the key: the seed, then the public key. */
  private final byte[] secret;

  private KeyPair(Ed25519PrivateKeyParameters privateKey) {
    this.privateKey = privateKey;
    byte[] pub = privateKey.generatePublicKey().getEncoded();
    this.publicKey = PublicKey.of(pub);
    this.secret = new byte[64];
    System.arraycopy(privateKey.getEncoded(), 0, secret, 0, 32);
    System.arraycopy(pub, 0, secret, 32, 32);
  }

  /** A fresh random key. */
  public static KeyPair generate() {
    return new KeyPair(new Ed25519PrivateKeyParameters(RANDOM));
  }

  /** The key derived from a 32-byte seed (tests and simulations use fixed seeds). */
  public static KeyPair fromSeed(byte[] seed) {
    if (seed.length != 32) {
      throw new KeyFormatException("an Ed25519 seed has 32 bytes, got " + seed.length);
    }
    return new KeyPair(new Ed25519PrivateKeyParameters(seed, 0));
  }

  public PublicKey publicKey() {
    return publicKey;
  }

  /** The Ed25519 signature (64 bytes) of {@code message}. Thread-safe. */
  public byte[] sign(byte[] message) {
    return Signing.get().sign(privateKey, secret, message);
  }

  /** The signature BouncyCastle makes, whatever {@link Signing} uses (to compare the two). */
  byte[] signWithBouncyCastle(byte[] message) {
    return Signing.bouncyCastle(privateKey, message);
  }

  /** The signature {@code signing} makes (to compare implementations). */
  byte[] signWith(Signing signing, byte[] message) {
    return signing.sign(privateKey, secret, message);
  }

  /**
   * Writes this key to {@code file} with owner-only permissions, atomically (temp file, fsync, rename), refusing to
   * overwrite an existing file so a key is never lost by accident.
   */
  public void writeTo(Path file) throws IOException {
    if (Files.exists(file)) {
      throw new FileAlreadyExistsException(file.toString(), null, "refusing to overwrite an existing key file");
    }
    ObjectNode json = Json.object();
    json.put("type", FILE_TYPE);
    json.put("publicKey", publicKey.toString());
    json.put("seed", Base64.getEncoder().encodeToString(privateKey.getEncoded()));
    byte[] bytes = (json.toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8);
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".key-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(bytes));
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file);
      }
      fsyncDirectory(dir);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Reads a key file written by {@link #writeTo}; the exception names the file and what is wrong with it. */
  public static KeyPair readFrom(Path file) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new KeyFormatException("key file " + file + " does not exist");
    }
    JsonNode json;
    try {
      json = Json.parse(bytes);
    } catch (JsonFormatException e) {
      throw new KeyFormatException("key file " + file + " is not JSON: " + e.getMessage());
    }
    if (!FILE_TYPE.equals(json.path("type").asText())) {
      throw new KeyFormatException("key file " + file + " has type '" + json.path("type").asText()
          + "', expected '" + FILE_TYPE + "'");
    }
    byte[] seed;
    try {
      seed = Base64.getDecoder().decode(json.path("seed").asText());
    } catch (IllegalArgumentException e) {
      throw new KeyFormatException("key file " + file + ": seed is not base64");
    }
    if (seed.length != 32) {
      throw new KeyFormatException("key file " + file + ": seed has " + seed.length + " bytes, expected 32");
    }
    KeyPair key = fromSeed(seed);
    String declared = json.path("publicKey").asText();
    if (!declared.isEmpty() && !declared.equals(key.publicKey().toString())) {
      throw new KeyFormatException("key file " + file + ": publicKey does not match the seed");
    }
    return key;
  }

  /** Reads {@code file}, or creates it with a new key when it does not exist yet. */
  public static KeyPair loadOrCreate(Path file) throws IOException {
    if (Files.exists(file)) {
      return readFrom(file);
    }
    KeyPair key = generate();
    key.writeTo(file);
    return key;
  }

  static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // Some file systems cannot open directories; the rename is still atomic there.
    }
  }

  @Override
  public String toString() {
    return "KeyPair[" + publicKey + "]"; // never the seed
  }
}
