package dev.tandem.cli;

import dev.tandem.core.crypto.KeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "keygen", description = "Create an Ed25519 key file (owner-only) and print its public key.",
    mixinStandardHelpOptions = true)
final class KeygenCommand implements Callable<Integer> {
  @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write the key")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (Files.exists(out)) {
      throw new Errors.UserException(out + " already exists; refusing to overwrite a key");
    }
    KeyPair key = KeyPair.generate();
    key.writeTo(out);
    System.out.println(key.publicKey());
    return 0;
  }
}
