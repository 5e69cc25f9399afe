import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

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
    tandem("keygen", "--out", join(this.dir, "owner.key"));
    this.serviceId = tandem("service", "register", "--node", this.urls[0], "--key", join(this.dir, "owner.key"),
      "--name", "echo", "--module", join(ROOT, "services/echo/echo.wasm"), "--home", this.urls[0]);
    this.urls.forEach((u, i) => tandem("offer", this.serviceId, "--node", u, "--data-dir", join(this.dir, `n${i}`)));
    await until("every node to offer echo", async () => {
      const res = await (await fetch(`${this.urls[0]}/rpc`, { method: "POST", body: JSON.stringify(
        { jsonrpc: "2.0", id: 1, method: "tandem_records", params: { limit: 1000 } }) })).json();
      const offering = res.result.records.filter((r: any) => r.type === "server" && r.offers.includes(this.serviceId));
      return offering.length === this.urls.length;
    });
    return this.serviceId;
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
