package dev.tandem.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/** The admin bearer token that {@code tandem_offer} and the other admin methods need. */
final class AdminToken {
  private AdminToken() {}

  /**
   * The token in {@code file}, or in {@code DATA/admin.token}, which is created (owner-only, 32 random bytes in hex)
   * when missing.
   *
   * @throws IllegalArgumentException when a named file is missing, or the token is shorter than 16 characters
   */
  static String loadOrCreate(Path dataDir, Optional<Path> named) throws IOException {
    Path file = named.orElse(dataDir.resolve("admin.token"));
    if (!Files.exists(file)) {
      if (named.isPresent()) {
        throw new IllegalArgumentException("admin token file " + file + " does not exist");
      }
      byte[] raw = new byte[32];
      new SecureRandom().nextBytes(raw);
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, HexFormat.of().formatHex(raw) + "\n");
    }
    String token = Files.readString(file, StandardCharsets.UTF_8).trim();
    if (token.length() < 16) {
      throw new IllegalArgumentException("admin token in " + file + " is shorter than 16 characters");
    }
    return token;
  }
}
