package dev.tandem.registry.evm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.crypto.KeyFormatException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;

class EthKeyFileTest {
  /** Anvil's dev account 0. */
  private static final String KEY = LocalChain.DEV_KEYS.getFirst();
  private static final String ADDRESS = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

  @TempDir
  Path dir;

  @Test
  void aWrittenKeyIsOwnerOnlyAndReadsBack() throws Exception {
    Path file = dir.resolve("eth.key");
    Credentials written = EthKeyFile.write(file, KEY);
    assertThat(written.getAddress()).isEqualTo(ADDRESS);
    assertThat(Files.readString(file)).isEqualTo(KEY + "\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(EthKeyFile.read(file)).isEqualTo(written);
    assertThatThrownBy(() -> EthKeyFile.write(file, KEY)).isInstanceOf(FileAlreadyExistsException.class);
    Credentials fresh = EthKeyFile.generate(dir.resolve("new.key"));
    assertThat(EthKeyFile.read(dir.resolve("new.key"))).isEqualTo(fresh);
  }

  @Test
  void theHexMayComeWithoutPrefixAndWithWhitespace() throws Exception {
    Path file = dir.resolve("eth.key");
    Files.writeString(file, "  " + KEY.substring(2).toUpperCase() + "\n\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
    assertThat(EthKeyFile.read(file).getAddress()).isEqualTo(ADDRESS);
  }

  @Test
  void aKeyOthersCanReadIsRefused() throws Exception {
    Path file = dir.resolve("eth.key");
    Files.writeString(file, KEY);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> EthKeyFile.read(file)).isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("is accessible by others (rw-r--r--)").hasMessageContaining("chmod 600 " + file);
  }

  @Test
  void somethingElseIsRefusedWithoutEchoingIt() throws Exception {
    Path file = dir.resolve("eth.key");
    Files.writeString(file, "{\"crypto\":\"secret stuff\"}");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> EthKeyFile.read(file)).isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("must hold a private key as 64 hex digits").hasMessageNotContaining("secret");
    assertThatThrownBy(() -> EthKeyFile.read(dir.resolve("missing.key"))).hasMessageContaining("does not exist");
    assertThatThrownBy(() -> EthKeyFile.fromHex("0x" + "0".repeat(64))).hasMessageContaining("zero key");
  }
}
