import { verifyRecord, serviceId, type ServerRecord, type ServiceRecord } from "./records.js";
import type { Scores } from "./scores.js";
import { ServiceNotFoundError } from "./errors.js";
import type { Json } from "./json.js";
import { readText } from "./http.js";

/**
 * The Content-Type of the client's JSON-RPC posts: `text/plain` makes them "simple" requests, which a browser sends
 * cross-origin without a CORS preflight; nodes read the body as JSON whatever its type (docs/operating-a-node.md).
 */
export const SIMPLE = { "Content-Type": "text/plain;charset=UTF-8" } as const;

/** Records asked for per page; a page with more is refused whole (an honest node never sends more than asked). */
const RECORDS_PAGE = 1000;
/** How long one pull from one node may read pages (the Java client's limit). */
const PULL_TIME_MS = 60_000;
/** Reasons of rejected records kept (the newest): a node may send any number of bad ones. */
const MAX_REJECTED = 100;

/** The longest answer of a node's `/rpc` read: a full page of the largest records (the Java client's limit). */
export const MAX_RPC_ANSWER_BYTES = 80 << 20;

/**
 * Posts one JSON-RPC request to a node's `/rpc` and returns its result; throws on any error, and when `stop` is
 * aborted.
 */
export async function rpc(fetcher: typeof fetch, base: string, method: string, params: Json,
    timeoutMs = 10_000, maxAnswerBytes = MAX_RPC_ANSWER_BYTES, stop?: AbortSignal): Promise<any> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const res = await fetcher(base.replace(/\/$/, "") + "/rpc", {
    method: "POST", headers: SIMPLE, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: stop ? AbortSignal.any([timeout, stop]) : timeout,
  });
  const body = JSON.parse(await readText(res, maxAnswerBytes));
  if (body.error) throw new RpcError(`${method} at ${base}: ${body.error.code} ${body.error.message}`, body.error.code);
  return body.result;
}

/** A node's JSON-RPC error answer. */
export class RpcError extends Error {
  constructor(message: string, readonly code: unknown) {
    super(message);
  }
}

/** JSON-RPC's "method not found": a node of an older release. */
const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;
/** Most keys a lookup asks to have sent first (a node's `RegistryRpc.MAX_PREFERRED`). */
export const LOOKUP_PREFERRED = 256;
/** The most services a node's `tandem_lookup` answers with (a name many keys registered), and servers. */
const LOOKUP_SERVICES = 100;
const LOOKUP_SERVERS = 1000;
/** The longest `tandem_lookup` answer read: nodes send about 4 MiB at most. */
const LOOKUP_ANSWER_BYTES = 8 << 20;
/** Services remembered as looked up, and looked up again on each refresh: the ones a page calls. */
const LOOKUPS_KEPT = 64;

/**
 * The registry as this client knows it: the records of the services it looked up (`tandem_lookup`: a service and the
 * servers offering it), or every record, pulled from the bootstrap nodes with `tandem_records`; each signature
 * checked here, so a node can withhold records but never forge one. Server records replace older ones of the same
 * key only with a higher `seq`.
 */
export class Directory {
  readonly services = new Map<string, ServiceRecord>();
  readonly servers = new Map<string, ServerRecord>();
  /** Why records failed their checks, the newest 100 (a node that sends them is not believed for them). */
  readonly rejected: string[] = [];
  private readonly cursors = new Map<string, { cursor: number; log?: string }>();
  /** The pull in flight (or the last one): pulls run one after another, never two reading the same pages at once. */
  private pulling: Promise<unknown> = Promise.resolve();
  /** Aborted by `stop()`: the pulls under way read no further. */
  private stopping = new AbortController();
  /** When each service reference was last looked up with an answer, the most recent {@link LOOKUPS_KEPT}. */
  private readonly lookups = new Map<string, number>();

  /**
   * @param preferred the keys of the servers this client trusts, which a lookup asks to be sent first (a node sends
   *     at most a thousand servers, and anyone can make keys that offer a service)
   */
  constructor(private readonly fetcher: typeof fetch, private readonly preferred: () => string[] = () => []) {}

  /** Pulls what is new from each node, after the pull in flight if there is one; true when at least one answered. */
  refresh(nodes: string[]): Promise<boolean> {
    const run = this.pulling.then(async () => {
      const results = await Promise.allSettled(nodes.map((n) => this.pull(n)));
      return results.some((r) => r.status === "fulfilled");
    });
    this.pulling = run;
    return run;
  }

  /**
   * Looks `ref` (an id, NAME or OWNER/NAME) up on each node with `tandem_lookup`: the services it may name and the
   * servers offering the one it names. True when at least one node answered. A node of an older release, which does
   * not know the method, is read whole instead. `remember` (default true) keeps `ref` among the services looked up
   * again by {@link relookup}.
   */
  async lookup(nodes: string[], ref: string, remember = true): Promise<boolean> {
    const stop = this.stopping.signal;
    const results = await Promise.allSettled(nodes.map(async (node) => {
      const prefer = this.preferred().slice(0, LOOKUP_PREFERRED);
      const ask = (params: Json) => rpc(this.fetcher, node, "tandem_lookup", params, undefined, LOOKUP_ANSWER_BYTES, stop);
      let res;
      try {
        res = await ask(prefer.length ? { service: ref, prefer } : { service: ref }).catch((e) => {
          // A node of the release before `prefer`: asked again without it.
          if (prefer.length && e instanceof RpcError && e.code === INVALID_PARAMS && /params\.prefer is not/.test(e.message)) {
            return ask({ service: ref });
          }
          throw e;
        });
      } catch (e) {
        if (e instanceof RpcError && e.code === METHOD_NOT_FOUND) {
          if (!(await this.refresh([node]))) throw e;
          return;
        }
        throw e;
      }
      if (!Array.isArray(res?.services) || res.services.length > LOOKUP_SERVICES || !Array.isArray(res.servers)
          || res.servers.length > LOOKUP_SERVERS) {
        throw new Error(`tandem_lookup at ${node}: not {services: [at most ${LOOKUP_SERVICES}], servers: [at most `
          + `${LOOKUP_SERVERS}], more: bool}`);
      }
      for (const raw of [...res.services, ...res.servers]) {
        if (stop.aborted) return;
        await this.add(raw);
      }
    }));
    const answered = results.some((r) => r.status === "fulfilled");
    if (answered && remember) {
      this.lookups.delete(ref);
      this.lookups.set(ref, Date.now());
      if (this.lookups.size > LOOKUPS_KEPT) this.lookups.delete(this.lookups.keys().next().value!);
    }
    return answered;
  }

  /** When `ref` was last looked up with an answer (ms since the epoch), if it was. */
  lookedUpAt(ref: string): number | undefined {
    return this.lookups.get(ref);
  }

  /** Looks up again every service looked up before, one after another; true when every lookup had an answer. */
  async relookup(nodes: string[]): Promise<boolean> {
    const stop = this.stopping.signal;
    let all = true;
    for (const ref of [...this.lookups.keys()]) {
      if (stop.aborted) return false;
      all = (await this.lookup(nodes, ref)) && all;
    }
    return all;
  }

  /**
   * Stops the pulls and lookups under way: their requests are aborted and they read no more pages. What they read is
   * kept, and each node's position with it, so a later refresh goes on from there.
   */
  stop(): void {
    this.stopping.abort(new DOMException("the client was closed", "AbortError"));
    this.stopping = new AbortController();
  }

  private async pull(node: string): Promise<void> {
    const stop = this.stopping.signal;
    let at = this.cursors.get(node) ?? { cursor: 0 };
    // One pull ends after PULL_TIME_MS whatever the node sends; the next refresh goes on from where it stopped.
    const until = Date.now() + PULL_TIME_MS;
    for (let page = 0; page < 1000 && Date.now() < until; page++) {
      const res = await rpc(this.fetcher, node, "tandem_records", { cursor: at.cursor, limit: RECORDS_PAGE },
        undefined, undefined, stop);
      const records = res?.records ?? [];
      if (!Array.isArray(records) || records.length > RECORDS_PAGE || !Number.isSafeInteger(res.next)) {
        throw new Error(`tandem_records at ${node}: not {records: [at most ${RECORDS_PAGE}], next: n, more: bool}`);
      }
      if (at.log !== undefined && res.log !== at.log || res.next < at.cursor) {
        at = { cursor: 0, log: res.log }; // a new log behind the same URL: start again
        continue;
      }
      for (const raw of records) {
        if (stop.aborted) return; // the page's position is not kept: the next pull reads it again
        await this.add(raw);
      }
      at = { cursor: res.next, log: res.log };
      this.cursors.set(node, at);
      if (!res.more) return;
    }
  }

  private async add(raw: unknown): Promise<void> {
    try {
      const record = await verifyRecord(raw);
      if (record.type === "service") {
        this.services.set(serviceId(record), record);
      } else {
        const old = this.servers.get(record.key);
        if (!old || old.seq < record.seq) this.servers.set(record.key, record);
      }
    } catch (e) {
      if (this.rejected.length >= MAX_REJECTED) this.rejected.shift();
      this.rejected.push((e as Error).message);
    }
  }

  /** The non-retired servers offering a service. */
  offering(id: string): ServerRecord[] {
    return [...this.servers.values()].filter((s) => s.retired !== true && s.offers.includes(id))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /**
   * Where the module of a service (and a re-run's inputs) may be fetched from, asked in turn: the home server, the
   * `bootstrap` nodes, the servers offering it by `scores` (the most trusted first), then every other known node;
   * never a blacklisted server. A source that trickles its answer holds the fetch until its download time is up, and
   * anyone can register a server (a liar in the very dispute among them), so the sources the owner and the user chose
   * come first, and strangers by earned trust (the Java client's order).
   */
  moduleSources(record: ServiceRecord, id: string, scores: Scores, bootstrap: string[]): string[] {
    const home = typeof record.home === "string" ? [record.home] : [];
    // Shuffled first, so servers of equal trust (every new one) come in no order an attacker can choose by key.
    const trusted = shuffled(this.offering(id).filter((s) => !scores.blacklisted(s.key)))
      .sort((a, b) => scores.weight(b.key) - scores.weight(a.key)).map((s) => s.url);
    const blacklisted = new Set([...this.servers.values()].filter((s) => scores.blacklisted(s.key)).map((s) => s.url));
    return [...new Set([...home, ...bootstrap, ...trusted, ...this.urls().filter((u) => !blacklisted.has(u))]
      .map((u) => u.replace(/\/$/, "")))];
  }

  /** The URLs of every known server, for pulls, module fetches and evidence. */
  urls(): string[] {
    return [...this.servers.values()].filter((s) => s.retired !== true).map((s) => s.url);
  }

  /**
   * A service by id, by NAME while one owner uses it (that owner's newest), or by OWNER/NAME with OWNER the first
   * 8 or more base58 characters of the owner's key (docs/protocol.md, "Service names").
   */
  resolve(ref: string): { id: string; record: ServiceRecord } {
    const byId = this.services.get(ref);
    if (byId) return { id: ref, record: byId };
    const slash = ref.lastIndexOf("/");
    const name = slash < 0 ? ref : ref.slice(slash + 1);
    const owner = slash < 0 ? undefined : ref.slice(0, slash).replace(/^ed25519:/, "");
    if (owner !== undefined && owner.length < 8) {
      throw new ServiceNotFoundError(`'${ref}': an owner prefix needs at least 8 characters`);
    }
    const named = [...this.services.entries()].filter(([, r]) => r.name === name
      && (owner === undefined || r.owner.slice("ed25519:".length).startsWith(owner)));
    const owners = new Set(named.map(([, r]) => r.owner));
    if (named.length === 0) throw new ServiceNotFoundError(`no service '${ref}' is known to the bootstrap nodes`);
    if (owners.size > 1) {
      const names = [...owners].map((o) => `${o.slice(8, 16)}/${name}`).join(", ");
      throw new ServiceNotFoundError(`the name '${name}' is used by ${owners.size} owners; name one as OWNER/NAME: ${names}`);
    }
    const [id, record] = named.reduce((a, b) => (b[1].createdAt > a[1].createdAt ? b : a));
    return { id, record };
  }
}

/**
 * Who operates a server, as far as a client can tell: its host, with the port on loopback (so local networks of
 * several processes still count as several operators). Agreement counts only from distinct operators.
 */
export function operatorOf(url: string): string {
  let op = operators.get(url);
  if (op === undefined) {
    if (operators.size >= 4096) operators.clear();
    op = parseOperator(url);
    operators.set(url, op);
  }
  return op;
}

/** Operators by server URL: a call asks for each of its candidates, and parsing a URL each time showed in profiles. */
const operators = new Map<string, string>();

function parseOperator(url: string): string {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const loopback = host === "localhost" || host.endsWith(".localhost") || /^127\.[\d.]+$/.test(host) || host === "::1";
  return loopback ? `${host}:${u.port || (u.protocol === "https:" ? 443 : 80)}` : host;
}

/** A copy of `items` in random order (Fisher–Yates). */
function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
