package dev.tandem.registry.evm;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;

/**
 * A throwaway local chain for tests and demos: anvil from the npm package pinned in {@code registry-evm/contracts/}
 * (installed with {@code npm ci} when missing), on 127.0.0.1 and a free port, chain id 31337, with anvil's well-known
 * funded dev accounts. Never use those keys anywhere else: everybody knows them.
 *
 * <p>The contracts directory is found from {@code -Dtandem.evm.contracts=DIR}, {@code TANDEM_EVM_CONTRACTS}, or by
 * looking for {@code registry-evm/contracts} upwards from the working directory; {@code TANDEM_ANVIL} may name an
 * anvil binary to use instead of the npm package.
 */
public final class LocalChain implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalChain.class);

  /** The private keys of anvil's dev accounts 0 to 9 (mnemonic {@code test test … junk}), each with 10,000 ether. */
  public static final List<String> DEV_KEYS = List.of(
      "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
      "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
      "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
      "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
      "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
      "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
      "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
      "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
      "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
      "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6");

  private static final Duration STARTUP = Duration.ofSeconds(30);
  private static final Duration NPM_CI = Duration.ofMinutes(5);

  /** Anvil cannot run here (no npm, no network for {@code npm ci}, …); the message says why. */
  public static final class Unavailable extends IOException {
    public Unavailable(String message) {
      super(message);
    }
  }

  private final Process process;
  private final URI rpc;
  private final Path logFile;

  private LocalChain(Process process, URI rpc, Path logFile) {
    this.process = process;
    this.rpc = rpc;
    this.logFile = logFile;
  }

  /**
   * Starts anvil and returns once it answers {@code eth_chainId}.
   *
   * @throws Unavailable when anvil is not installed and cannot be (tests skip on this)
   * @throws IOException when it was found but did not start
   */
  public static LocalChain start() throws IOException {
    Path anvil = anvilBinary();
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) { // a free port can be taken between choosing and binding it
      int port = freePort();
      Path log = Files.createTempFile("anvil-" + port + "-", ".log");
      Process p = new ProcessBuilder(anvil.toString(), "--host", "127.0.0.1", "--port", String.valueOf(port))
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      LocalChain chain = new LocalChain(p, URI.create("http://127.0.0.1:" + port), log);
      try {
        chain.awaitReady();
        LOG.info("local chain (anvil, pid {}) at {}", p.pid(), chain.rpc);
        return chain;
      } catch (IOException e) {
        chain.close();
        last = e;
      }
    }
    throw last;
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    try (EthRpc client = new EthRpc(rpc, Duration.ofSeconds(2))) {
      while (true) {
        if (!process.isAlive()) {
          throw new IOException("anvil exited with " + process.exitValue() + ": " + tail());
        }
        try {
          client.chainId();
          return;
        } catch (EvmException notYet) {
          if (System.nanoTime() - deadline > 0) {
            throw new IOException("anvil did not answer at " + rpc + " within " + STARTUP.toSeconds() + " s: "
                + tail());
          }
        }
        sleep(50);
      }
    }
  }

  /** The JSON-RPC endpoint, {@code http://127.0.0.1:PORT}. */
  public URI rpc() {
    return rpc;
  }

  /** Dev account {@code i} (0 to 9), funded. */
  public static Credentials devAccount(int i) {
    return EthKeyFile.fromHex(DEV_KEYS.get(i));
  }

  /** Writes dev account {@code i}'s key to {@code file} (owner-only), for commands that take {@code --eth-key}. */
  public static Path writeDevKey(int i, Path file) throws IOException {
    EthKeyFile.write(file, DEV_KEYS.get(i));
    return file;
  }

  /** Stops anvil (and the chain with it: it lives in memory only). */
  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Files.deleteIfExists(logFile);
    } catch (IOException ignored) {
      // a temp file; the OS cleans it eventually
    }
  }

  /** The directory with the pinned {@code package.json} for solc and anvil, if it can be found. */
  public static Optional<Path> contractsDir() {
    String configured = System.getProperty("tandem.evm.contracts", System.getenv("TANDEM_EVM_CONTRACTS"));
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Path.of(configured).toAbsolutePath());
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      for (Path candidate : List.of(dir.resolve("contracts"), dir.resolve("registry-evm").resolve("contracts"))) {
        if (Files.isRegularFile(candidate.resolve("compile.mjs"))
            && Files.isRegularFile(candidate.resolve("package-lock.json"))) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Makes sure the pinned npm packages are installed in {@link #contractsDir()} (running {@code npm ci} once when
   * {@code node_modules} lacks them) and returns that directory.
   *
   * @throws Unavailable when there is no contracts directory, no npm, or {@code npm ci} fails
   */
  public static synchronized Path installedContractsDir() throws Unavailable {
    Path dir = contractsDir().orElseThrow(() -> new Unavailable("cannot find registry-evm/contracts from "
        + Path.of("").toAbsolutePath() + "; set -Dtandem.evm.contracts=DIR"));
    if (!Files.isRegularFile(dir.resolve("package-lock.json"))) {
      throw new Unavailable(dir + " holds no package-lock.json: it is not registry-evm/contracts");
    }
    if (Files.isDirectory(dir.resolve("node_modules/solc"))
        && Files.isDirectory(dir.resolve("node_modules/@foundry-rs/anvil"))) {
      return dir;
    }
    LOG.info("installing the pinned solc and anvil: npm ci in {}", dir);
    try {
      Path log = Files.createTempFile("npm-ci-", ".log");
      Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
          .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!npm.waitFor(NPM_CI.toSeconds(), TimeUnit.SECONDS)) {
        npm.destroyForcibly();
        throw new Unavailable("npm ci in " + dir + " did not finish within " + NPM_CI.toMinutes() + " min");
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      Files.deleteIfExists(log);
      if (npm.exitValue() != 0) {
        throw new Unavailable("npm ci in " + dir + " failed (" + npm.exitValue() + "): " + lastLines(output));
      }
    } catch (IOException e) {
      if (e instanceof Unavailable u) {
        throw u;
      }
      throw new Unavailable("npm is not available to install solc and anvil in " + dir + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while running npm ci in " + dir);
    }
    return dir;
  }

  /** The anvil binary: {@code TANDEM_ANVIL}, else the platform package's binary (not the node wrapper, which would
   * outlive a stopped chain as an orphan), else the wrapper. */
  private static Path anvilBinary() throws Unavailable {
    String configured = System.getenv("TANDEM_ANVIL");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    Path modules = installedContractsDir().resolve("node_modules");
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    String platform = (os.contains("mac") ? "darwin" : os.contains("win") ? "win32" : "linux") + "-"
        + (arch.contains("aarch64") || arch.contains("arm64") ? "arm64" : "amd64");
    Path binary = modules.resolve("@foundry-rs/anvil-" + platform + "/bin/anvil" + (os.contains("win") ? ".exe" : ""));
    if (Files.isExecutable(binary)) {
      return binary;
    }
    Path wrapper = modules.resolve(".bin/anvil");
    if (Files.isExecutable(wrapper)) {
      return wrapper;
    }
    throw new Unavailable("anvil is not installed in " + modules + " (no " + binary + ")");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private String tail() {
    try {
      return lastLines(Files.readString(logFile, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return "(no output)";
    }
  }

  private static String lastLines(String output) {
    String[] lines = output.strip().split("\n");
    return String.join(" | ", List.of(lines).subList(Math.max(0, lines.length - 5), lines.length));
  }

  private static void sleep(long ms) throws IOException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for anvil", e);
    }
  }
}
