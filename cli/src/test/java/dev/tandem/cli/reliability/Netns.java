package dev.tandem.cli.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A small private network of Linux network namespaces, built with {@code ip} only: every device is created directly
 * inside the namespace it belongs to (a veth pair is born with one end in each), so nothing is added to, and no
 * traffic leaves through, the host's own namespace. Addresses exist only inside these namespaces.
 *
 * <p>Needs root and iproute2; {@link #unavailable()} says why not, for a test to skip. {@link #close()} deletes every
 * namespace created, which removes their devices too.
 */
final class Netns implements AutoCloseable {
  /** Names start with this and the creating process's id, so leftovers of a dead run can be recognized. */
  static final String PREFIX = "tdmrel";

  private final String run;
  private final List<String> created = new ArrayList<>();

  Netns() {
    this.run = PREFIX + ProcessHandle.current().pid() + "-";
  }

  /** Why namespaces cannot be used here, or empty when they can. */
  static Optional<String> unavailable() {
    Optional<Path> ip = ipBinary();
    if (ip.isEmpty()) {
      return Optional.of("the ip command (iproute2) is not installed");
    }
    String probe = PREFIX + ProcessHandle.current().pid() + "-probe";
    try {
      Result add = exec(List.of(ip.get().toString(), "netns", "add", probe));
      if (add.exit() != 0) {
        return Optional.of("'ip netns add' failed (needs root): " + add.output().trim());
      }
      exec(List.of(ip.get().toString(), "netns", "del", probe));
      return Optional.empty();
    } catch (IOException | InterruptedException e) {
      return Optional.of("cannot run ip: " + e.getMessage());
    }
  }

  private static Optional<Path> ipBinary() {
    for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
      Path p = Path.of(dir, "ip");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** The full name of a namespace of this run. */
  String name(String shortName) {
    return run + shortName;
  }

  /** Creates a namespace with its loopback up. */
  String add(String shortName) throws IOException, InterruptedException {
    String ns = name(shortName);
    ip("netns", "add", ns);
    created.add(ns);
    ip("-n", ns, "link", "set", "lo", "up");
    return ns;
  }

  /** A bridge named {@code bridge}, up, in namespace {@code ns}. */
  void bridge(String ns, String bridge) throws IOException, InterruptedException {
    ip("-n", ns, "link", "add", "name", bridge, "type", "bridge");
    ip("-n", ns, "link", "set", bridge, "up");
  }

  /**
   * Plugs namespace {@code host} into {@code bridge} of namespace {@code switchNs}: a veth pair with {@code eth0} in
   * {@code host} holding {@code cidr}, and {@code port} on the bridge.
   */
  void plug(String host, String cidr, String switchNs, String bridge, String port)
      throws IOException, InterruptedException {
    ip("link", "add", "name", port, "netns", switchNs, "type", "veth", "peer", "name", "eth0", "netns", host);
    ip("-n", switchNs, "link", "set", port, "master", bridge);
    ip("-n", switchNs, "link", "set", port, "up");
    ip("-n", host, "addr", "add", cidr, "dev", "eth0");
    ip("-n", host, "link", "set", "eth0", "up");
  }

  /** Joins two bridges of {@code ns} with a veth pair {@code a}–{@code b}: the link a partition cuts. */
  void trunk(String ns, String bridgeA, String a, String bridgeB, String b) throws IOException, InterruptedException {
    ip("-n", ns, "link", "add", "name", a, "type", "veth", "peer", "name", b);
    ip("-n", ns, "link", "set", a, "master", bridgeA);
    ip("-n", ns, "link", "set", b, "master", bridgeB);
    setLink(ns, a, true);
    setLink(ns, b, true);
  }

  void setLink(String ns, String dev, boolean up) throws IOException, InterruptedException {
    ip("-n", ns, "link", "set", dev, up ? "up" : "down");
  }

  /** The prefix that runs a command inside {@code ns}. */
  List<String> exec(String ns) {
    return List.of(ipBinary().orElseThrow().toString(), "netns", "exec", ns);
  }

  void ip(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ipBinary().orElseThrow().toString());
    cmd.addAll(List.of(args));
    Result r = exec(cmd);
    if (r.exit() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed (exit " + r.exit() + "): " + r.output().trim());
    }
  }

  private record Result(int exit, String output) {}

  private static Result exec(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", cmd) + " did not finish in 30 s");
    }
    return new Result(p.exitValue(), out);
  }

  /**
   * Deletes namespaces left by runs whose process is gone (a test JVM killed before its cleanup), so they do not
   * pile up. Namespaces of live runs are left alone.
   */
  static void deleteStale() throws IOException, InterruptedException {
    Result list = exec(List.of(ipBinary().orElseThrow().toString(), "netns", "list"));
    for (String line : list.output().split("\n")) {
      String ns = line.split(" ")[0].trim();
      if (!ns.startsWith(PREFIX)) {
        continue;
      }
      String digits = ns.substring(PREFIX.length()).replaceAll("-.*", "");
      boolean alive = !digits.isEmpty() && digits.chars().allMatch(Character::isDigit)
          && ProcessHandle.of(Long.parseLong(digits)).map(ProcessHandle::isAlive).orElse(false);
      if (!alive) {
        exec(List.of(ipBinary().orElseThrow().toString(), "netns", "del", ns));
      }
    }
  }

  /** Deletes every namespace this object created (and with them their devices), newest first. */
  @Override
  public void close() {
    for (int i = created.size() - 1; i >= 0; i--) {
      try {
        exec(List.of(ipBinary().orElseThrow().toString(), "netns", "del", created.get(i)));
      } catch (IOException | InterruptedException e) {
        System.err.println("could not delete network namespace " + created.get(i) + ": " + e.getMessage());
      }
    }
    created.clear();
  }
}
