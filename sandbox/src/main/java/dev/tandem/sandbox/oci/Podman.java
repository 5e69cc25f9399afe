package dev.tandem.sandbox.oci;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the podman command line: every container operation, a node's or a client referee's, goes through here.
 */
public final class Podman {
  /** The runtime name that turns containers off. */
  public static final String OFF = "off";

  private final String binary;

  private Podman(String binary) {
    this.binary = binary;
  }

  /**
   * The podman to use, if any: none when {@code runtime} is {@code off} or when the binary is not found. Whether it
   * can run containers here is learnt when the first one starts (a node's service whose container cannot start is
   * never ready, so never offered), which keeps {@code podman info}'s second off every first call.
   *
   * @param runtime {@code podman} (looked for on the PATH), the path of a podman binary, or {@code off}
   */
  public static Optional<Podman> find(String runtime) {
    if (runtime.equals(OFF)) {
      return Optional.empty();
    }
    String binary = runtime.equals("podman") ? onPath("podman") : runtime;
    if (binary == null || !Files.isExecutable(Path.of(binary))) {
      return Optional.empty();
    }
    return Optional.of(new Podman(binary));
  }

  /** Whether this podman can run containers here ({@code podman info} succeeds: root, cgroups, a runtime). */
  public boolean works() {
    try {
      run(30, "info", "--format", "{{.Host.OCIRuntime.Name}}");
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }

  /** Runs {@code podman args…} and returns its trimmed stdout; a non-zero exit throws with its stderr. */
  public String run(int timeoutSeconds, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary);
    cmd.addAll(List.of(args));
    Path err = Files.createTempFile("tandem-podman", ".err");
    try {
      Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("podman " + args[0] + " took longer than " + timeoutSeconds + " s");
      }
      if (p.exitValue() != 0) {
        String msg = Files.readString(err, StandardCharsets.UTF_8).strip();
        throw new IOException("podman " + args[0] + " failed: " + (msg.length() > 300 ? msg.substring(0, 300) : msg));
      }
      return new String(out, StandardCharsets.UTF_8).strip();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running podman " + args[0], e);
    } finally {
      Files.deleteIfExists(err);
    }
  }
}
