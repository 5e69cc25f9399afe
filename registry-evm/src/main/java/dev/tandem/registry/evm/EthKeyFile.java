package dev.tandem.registry.evm;

import dev.tandem.core.crypto.KeyFormatException;
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
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

/**
 * An Ethereum (secp256k1) private key in a file: the key that pays for and signs registry transactions, and whose
 * address owns the entries it registers.
 *
 * <p>Format: one line, the 32-byte private key as 64 hex digits, with or without a {@code 0x} prefix; surrounding
 * whitespace is ignored. The file must be readable by its owner only ({@code chmod 600}): it can spend the account's
 * ether, so a key file that others can read is refused rather than used.
 */
public final class EthKeyFile {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
  private static final Pattern HEX_KEY = Pattern.compile("(0x)?[0-9a-fA-F]{64}");

  private EthKeyFile() {}

  /**
   * Reads the key in {@code file}.
   *
   * @throws KeyFormatException naming the file when it is missing, readable by others, or not a hex private key
   */
  public static Credentials read(Path file) throws IOException {
    String text;
    try {
      checkOwnerOnly(file);
      text = Files.readString(file, StandardCharsets.US_ASCII).strip();
    } catch (NoSuchFileException e) {
      throw new KeyFormatException("Ethereum key file " + file + " does not exist");
    }
    return parse(text, "Ethereum key file " + file);
  }

  /** The credentials of a hex private key ({@code 0x} optional), e.g. one of a local dev chain's accounts. */
  public static Credentials fromHex(String hex) {
    return parse(hex.strip(), "the Ethereum private key");
  }

  private static Credentials parse(String text, String what) {
    if (!HEX_KEY.matcher(text).matches()) {
      // never echo the content: it may be a key in another format, and this message can end up in a log
      throw new KeyFormatException(what + " must hold a private key as 64 hex digits (optionally 0x-prefixed), "
          + "got " + text.length() + " characters");
    }
    if (Numeric.toBigInt(text).signum() == 0) {
      throw new KeyFormatException(what + " holds the zero key");
    }
    return Credentials.create(Numeric.prependHexPrefix(text.toLowerCase(java.util.Locale.ROOT)));
  }

  /**
   * Writes {@code privateKeyHex} to a new file with owner-only permissions, atomically, refusing to overwrite one.
   *
   * @return the key's credentials (its address: {@link Credentials#getAddress()})
   */
  public static Credentials write(Path file, String privateKeyHex) throws IOException {
    Credentials credentials = fromHex(privateKeyHex);
    if (Files.exists(file)) {
      throw new FileAlreadyExistsException(file.toString(), null, "refusing to overwrite an existing key file");
    }
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = posix(dir)
        ? Files.createTempFile(dir, ".ethkey-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
        : Files.createTempFile(dir, ".ethkey-", ".tmp");
    try {
      byte[] bytes = (Numeric.toHexStringWithPrefixZeroPadded(credentials.getEcKeyPair().getPrivateKey(), 64)
          + "\n").getBytes(StandardCharsets.US_ASCII);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(bytes));
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    return credentials;
  }

  /** Writes a fresh random key to {@code file} (see {@link #write}). */
  public static Credentials generate(Path file) throws IOException {
    try {
      return write(file, Numeric.toHexStringWithPrefixZeroPadded(Keys.createEcKeyPair().getPrivateKey(), 64));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create a secp256k1 key: " + e.getMessage(), e);
    }
  }

  private static void checkOwnerOnly(Path file) throws IOException {
    if (!posix(file)) {
      return; // no POSIX permissions to check (e.g. Windows); the operator protects the file by other means
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    if (perms.stream().anyMatch(OTHERS::contains)) {
      throw new KeyFormatException("Ethereum key file " + file + " is accessible by others ("
          + PosixFilePermissions.toString(perms) + "); make it owner-only: chmod 600 " + file);
    }
  }

  private static boolean posix(Path path) {
    return Files.getFileAttributeView(path, PosixFileAttributeView.class) != null;
  }
}
