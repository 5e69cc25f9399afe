package dev.tandem.cli;

import dev.tandem.sandbox.Abi;
import dev.tandem.sandbox.ModuleValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading a module file and telling its ABI, for the module commands. */
final class ModuleFiles {
  private ModuleFiles() {}

  static byte[] read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new Errors.UserException("no such file: " + file);
    }
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new Errors.UserException("cannot read " + file + ": " + e.getMessage());
    }
  }

  /** The ABI given, or the one the module's exports suggest: {@code verify} a verifier, {@code _start} WASI. */
  static Abi abi(String given, byte[] wasm) {
    if (given != null) {
      try {
        return Abi.parse(given);
      } catch (IllegalArgumentException e) {
        throw new Errors.UserException("--abi: " + e.getMessage());
      }
    }
    var exports = ModuleValidator.validate(wasm, Abi.TANDEM_V1).exports();
    if (exports.stream().anyMatch(e -> e.startsWith("verify: "))) {
      return Abi.VERIFIER;
    }
    if (exports.stream().anyMatch(e -> e.startsWith("_start: "))) {
      return Abi.WASI_COMMAND;
    }
    return Abi.TANDEM_V1;
  }
}
