package dev.tandem.cli;

import dev.tandem.core.crypto.KeyPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Key files named on the command line: read with the option in the error, written only where the user said. */
final class Keys {
  private Keys() {}

  /** The Ed25519 key in {@code file}; a missing or malformed file is one line naming {@code option}. */
  static KeyPair read(String option, Path file) {
    try {
      return KeyPair.readFrom(file);
    } catch (IOException | IllegalArgumentException e) {
      throw new Errors.UserException(option + ": " + Errors.message(e));
    }
  }

  /** Refuses a key file that exists (a key is never overwritten) or whose folder does not: none is created. */
  static void checkNew(String option, Path file) {
    if (Files.exists(file)) {
      throw new Errors.UserException(option + ": " + file + " already exists; refusing to overwrite a key");
    }
    Path dir = file.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      throw new Errors.UserException(option + ": no such directory: " + dir);
    }
  }
}
