// What verification costs a caller: a verified call with the TypeScript client (records checked, two servers of
// distinct operators asked in parallel, both attestations checked, the verifier judging) and a call in spot-check
// mode (`spotCheck: 0.1`: one call in ten spot-checked, a proven server and one of another operator asked at once, the
// others answered by one proven server alone, audits at the default 0.02) against one plain fetch of the same request to one node, on a local network of real nodes, at
// p50 and p90; and, to show what is left to the client, two plain fetches sent together to two nodes (the waiting a
// verified call cannot avoid). The clients send their calls as messages on WebSockets in the browser, and in Node in
// a second row whose clients are given the ws package's WebSocket class; the direct fetch stays a
// fetch: what a page does without Tandem. In Node and, where Debian's Chromium is installed, in headless Chromium (a
// page of another origin, so every request is a cross-origin one).
//   npm run bench [-- --calls 300 --nodes 3 --warmup 300]
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { TandemClient, type ConnectOptions } from "../src/index.js";
import { TestNetwork } from "../test/support/network.js";
import { chromium, missing, pageServer } from "../test/support/browser.js";
import { WebSocket } from "ws";
import type { WebSocketClass } from "../src/sockets.js";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const CALLS = arg("calls", 300);
const NODES = arg("nodes", 3);
// Nodes are long-running servers: the warm-up lets their JIT compile the call path (30 rounds left every node
// answering 2–3× slower than it does a minute later).
const WARMUP = arg("warmup", 300);
const loadBefore = loadavg();

interface Timings {
  verified: number[]; spot: number[]; direct: number[]; pair: number[];
  /** One call as a message on a WebSocket already open to the same node as the direct fetch (none without WebSockets). */
  socket: number[];
  /** Two such messages sent together on sockets to two nodes. */
  socketPair: number[];
  /** Spot-check mode's measured calls decided `unchecked` (one proven server alone) and `spot-check` (two agreed). */
  unchecked: number; spotChecked: number;
}

/**
 * Runs in Node or in the page (it is sent to the browser as source, so it names nothing outside itself):
 * alternates a direct fetch, two at once, a verified call and a spot-check mode call, after a warm-up in which the
 * servers end their probation (and, for spot-check mode, become proven).
 */
async function measure(m: any, nodes: string[], service: string, calls: number, warmup: number): Promise<Timings> {
  const node = nodes[0];
  const client = await m.TandemClient.connect({ bootstrap: [node] });
  const spotClient = await m.TandemClient.connect({ bootstrap: [node], spotCheck: 0.1 });
  const direct = async (n: number, to = node) => {
    // The request exactly as the client sends it (text/plain: a simple request, no preflight in a browser).
    const res = await fetch(`${to}/services/${service}`, { method: "POST", headers: { "Content-Type": "text/plain;charset=UTF-8" },
      body: JSON.stringify({ jsonrpc: "2.0", id: n, method: "echo", params: { n } }) });
    const body = await res.json();
    if (body.result?.n !== n) throw new Error("direct fetch: wrong answer " + JSON.stringify(body));
  };
  // The same request as a message on a socket kept open to each node, where the caller has WebSockets.
  const WS = m.WebSocket ?? (globalThis as any).WebSocket;
  const sockets = new Map<string, { ws: any; onAnswer: (data: string) => void }>();
  if (WS) {
    for (const url of nodes) {
      const s = { ws: new WS(`${url.replace(/^http/, "ws")}/services/${service}`), onAnswer: (_: string) => undefined };
      await new Promise((ok, fail) => {
        s.ws.onopen = ok;
        s.ws.onerror = fail;
      });
      s.ws.onmessage = (e: any) => s.onAnswer(String(e.data));
      sockets.set(url, s);
    }
  }
  const ws = sockets.size > 0;
  const socket = (n: number, to = node) => new Promise<void>((ok, fail) => {
    const s = sockets.get(to)!;
    s.onAnswer = (data) => JSON.parse(data).result?.n === n ? ok() : fail(new Error("socket: wrong answer " + data));
    s.ws.send(JSON.stringify({ jsonrpc: "2.0", id: n, method: "echo", params: { n } }));
  });
  const verified = async (n: number) => {
    const { result } = await client.call(service, "echo", { n });
    if (result.n !== n) throw new Error("verified call: wrong answer");
  };
  let unchecked = 0;
  let spotChecked = 0;
  const spot = async (n: number) => {
    const { result, report } = await spotClient.call(service, "echo", { n });
    if (result.n !== n) throw new Error("spot-check mode call: wrong answer");
    if (report.decision === "unchecked") unchecked++;
    if (report.decision === "spot-check") spotChecked++;
  };
  for (let i = 0; i < warmup; i++) {
    await direct(i);
    if (ws) await Promise.all([socket(i, nodes[i % nodes.length]), socket(i, nodes[(i + 1) % nodes.length])]);
    await verified(i);
    await spot(i);
  }
  const out: Timings = { verified: [], spot: [], direct: [], pair: [], socket: [], socketPair: [], unchecked: 0, spotChecked: 0 };
  unchecked = spotChecked = 0;
  for (let i = 0; i < calls; i++) {
    let t = performance.now();
    await direct(1000 + i);
    out.direct.push(performance.now() - t);
    if (ws) {
      t = performance.now();
      await socket(1000 + i);
      out.socket.push(performance.now() - t);
      t = performance.now();
      await Promise.all([socket(1000 + i, nodes[i % nodes.length]), socket(1000 + i, nodes[(i + 1) % nodes.length])]);
      out.socketPair.push(performance.now() - t);
    }
    t = performance.now();
    await Promise.all([direct(1000 + i, nodes[i % nodes.length]), direct(1000 + i, nodes[(i + 1) % nodes.length])]);
    out.pair.push(performance.now() - t);
    t = performance.now();
    await verified(1000 + i);
    out.verified.push(performance.now() - t);
    t = performance.now();
    await spot(1000 + i);
    out.spot.push(performance.now() - t);
  }
  await spotClient.close();
  await client.close();
  for (const s of sockets.values()) s.ws.close();
  out.unchecked = unchecked;
  out.spotChecked = spotChecked;
  return out;
}

function wsVersion(): string {
  return JSON.parse(readFileSync(new URL("../../node_modules/ws/package.json", import.meta.url), "utf8")).version;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function row(where: string, t: Timings): string {
  const f = (x: number) => x.toFixed(2);
  const x = (a: number[], b: number[], p: number) => `${(pct(a, p) / pct(b, p)).toFixed(2)}×`;
  const sockets = t.socket.length > 0;
  return `| ${where} | ${f(pct(t.direct, 50))} | ${f(pct(t.pair, 50))} | ${sockets ? f(pct(t.socket, 50)) : "–"} | `
    + `${f(pct(t.verified, 50))} | ${f(pct(t.spot, 50))} | ${x(t.verified, t.direct, 50)} | ${x(t.spot, t.direct, 50)} | `
    + `${x(t.pair, t.direct, 50)} | ${sockets ? x(t.verified, t.socket, 50) : "–"} | `
    + `${sockets ? x(t.socketPair, t.socket, 50) : "–"} | ${f(pct(t.direct, 90))} | `
    + `${f(pct(t.verified, 90))} | ${f(pct(t.spot, 90))} | ${x(t.verified, t.direct, 90)} | ${x(t.spot, t.direct, 90)} | `
    + `${t.unchecked}/${t.spot.length} | ${t.spotChecked}/${t.spot.length} |`;
}

const net = new TestNetwork();
try {
  await net.start(Array(NODES).fill(null));
  const service = await net.offerEcho();
  // In Node the clients keep fetched modules in this run's temporary directory, not in ~/.tandem/modules.
  const inNode = { TandemClient: { connect: (o: ConnectOptions) => TandemClient.connect({ moduleCache: net.modules, ...o }) } };
  const rows = [row(`Node ${process.versions.node} (calls by fetch)`,
    await measure(inNode, net.urls, service, CALLS, WARMUP))];
  // In Node a client uses sockets only when given a WebSocket class (Node 20 has none of its own): the ws package's.
  const withWs = { WebSocket, TandemClient: { connect: (o: ConnectOptions) => TandemClient.connect({
    moduleCache: net.modules, WebSocket: WebSocket as unknown as WebSocketClass, ...o }) } };
  rows.push(row(`Node ${process.versions.node}, calls on sockets (ws ${wsVersion()})`,
    await measure(withWs, net.urls, service, CALLS, WARMUP)));
  if (missing) {
    console.log(`# ${missing}`);
  } else {
    const page = await pageServer();
    const browser = await chromium();
    try {
      await browser.get(page.url);
      const version = (await browser.getCapabilities()).get("browserVersion");
      const t = await browser.executeAsyncScript<Timings | { error: string }>(
        `const done = arguments[arguments.length - 1];
         import("/tandem-client.js").then((m) => (${measure.toString()})(m, ...Array.from(arguments).slice(0, 4)))
           .then(done, (e) => done({ error: String(e) }));`, net.urls, service, CALLS, WARMUP);
      if ("error" in t) throw new Error(t.error);
      rows.push(row(`headless Chromium ${version}`, t));
    } finally {
      await browser.quit();
      page.close();
    }
  }
  console.log(`echo on ${NODES} local nodes, ${CALLS} calls each way after ${WARMUP} warm-up rounds (ms); the direct `
    + "fetch and the two at once are plain fetches everywhere; the clients' calls go on WebSockets where the caller has "
    + "them\n");
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
  console.log(`# load average before ${load(loadBefore)}, after ${load(loadavg())}`);
  console.log("| caller | direct fetch p50 | two fetches at once p50 | one call on a socket p50 | verified call p50 "
    + "| spot-checked 1 in 10 p50 | verified ÷ direct p50 | spot-checked ÷ direct p50 | two ÷ direct p50 "
    + "| verified ÷ one on a socket p50 | two on sockets at once ÷ one p50 | direct p90 | verified p90 | spot-checked p90 | verified ÷ direct p90 "
    + "| spot-checked ÷ direct p90 | spot-check calls unchecked | spot-check calls spot-checked |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) console.log(r);
} finally {
  net.stop();
}
