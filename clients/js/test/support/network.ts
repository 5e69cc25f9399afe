import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fileModuleCache } from "../../src/node.js";

/** The repository root (clients/js/dist/test/support → four levels up). */
export const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../../..");

/** The tandem command: the built CLI jar when it is there (no build check), else ./tandem. */
function command(): string[] {
  const jar = join(ROOT, "cli/target/tandem-cli-0.1.0-SNAPSHOT.jar");
  if (existsSync(jar) && existsSync(join(ROOT, "cli/target/lib"))) {
    const jdk = execFileSync(join(ROOT, "tandem"), ["--jdk"], { encoding: "utf8" }).trim();
    return [join(jdk, "bin/java"), "-Xss4m", "-Xmx256m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
      "-cp", `${jar}:${join(ROOT, "cli/target/lib")}/*`, "dev.tandem.cli.Main"];
  }
  return [join(ROOT, "tandem")];
}

let cached: string[] | undefined;
export function tandem(...args: string[]): string {
  cached ??= command();
  return execFileSync(cached[0], [...cached.slice(1), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

/** Real nodes on loopback (one process each), the echo service registered with its metered CID and offered by all. */
export class TestNetwork {
  readonly dir = mkdtempSync(join(tmpdir(), "tandem-js-"));
  /** Where this run's clients keep the modules they fetch: a test never writes to `~/.tandem`. */
  readonly modules = fileModuleCache(join(this.dir, "modules"));
  readonly urls: string[] = [];
  readonly processes: ChildProcess[] = [];
  serviceId = "";

  async start(faults: (string | null)[]): Promise<void> {
    cached ??= command();
    for (let i = 0; i < faults.length; i++) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const args = ["node", "--data-dir", join(this.dir, `n${i}`), "--listen", `127.0.0.1:${port}`,
        "--gossip-interval-ms", "200", "--evidence-sync-interval-ms", "1000"];
      if (i > 0) args.push("--peer", this.urls[0]);
      if (faults[i]) args.push("--unsafe-fault", faults[i]!);
      const p = spawn(cached[0], [...cached.slice(1), ...args], { stdio: "ignore" });
      this.processes.push(p);
      this.urls.push(url);
    }
    await Promise.all(this.urls.map((u) => until(`${u} up`, async () => (await fetch(`${u}/health`)).ok)));
  }

  /** Registers services/echo through the first node and has every node offer it; waits until all do. */
  async offerEcho(): Promise<string> {
    this.serviceId = await this.offer("echo", "services/echo/echo.wasm");
    return this.serviceId;
  }

  /** Registers the module at `path` (from the repository root) as `name` and has every node offer it. */
  async offer(name: string, path: string): Promise<string> {
    const key = join(this.dir, "owner.key");
    if (!existsSync(key)) tandem("keygen", "--out", key);
    const id = tandem("service", "register", "--node", this.urls[0], "--key", key, "--name", name,
      "--module", join(ROOT, path), "--home", this.urls[0]);
    this.urls.forEach((u, i) => tandem("offer", id, "--node", u, "--data-dir", join(this.dir, `n${i}`)));
    await until(`every node to offer ${name}`, async () => {
      const res = await (await fetch(`${this.urls[0]}/rpc`, { method: "POST", body: JSON.stringify(
        { jsonrpc: "2.0", id: 1, method: "tandem_records", params: { limit: 1000 } }) })).json();
      const offering = res.result.records.filter((r: any) => r.type === "server" && r.offers.includes(id));
      return offering.length === this.urls.length;
    });
    return id;
  }

  /**
   * Stores `text` on node `i` only (`tandem add`) as a UnixFS file; returns its CIDs: `raw` (one block), `v0` and
   * `v1DagPbLeaves` (dag-pb), `v1` (Kubo's default: raw leaves under a dag-pb root once there is more than one chunk).
   */
  add(i: number, text: string): { raw: string; v0: string; v1: string; v1DagPbLeaves: string } {
    const file = join(this.dir, `data-${i}-${Date.now()}.txt`);
    writeFileSync(file, text);
    return JSON.parse(tandem("add", file, "--json", "--node", this.urls[i], "--admin-token-file",
      join(this.dir, `n${i}`, "admin.token")));
  }

  stop(): void {
    for (const p of this.processes) p.kill("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
