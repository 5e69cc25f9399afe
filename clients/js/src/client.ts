import { Directory, LOOKUP_PREFERRED, operatorOf, rpc } from "./directory.js";
import { NoServersError, ServiceError, ServiceNotFoundError, UnverifiableError } from "./errors.js";
import { canonical, isObject, sha256Hex, type Json, type JsonObject } from "./json.js";
import { Referee } from "./referee.js";
import { defaultSandbox, type Sandbox } from "./sandbox.js";
import { defaultModuleCache, ModuleStore, type ModuleCache } from "./modules.js";
import { EvidenceFeed, FEED_MAX_RERUN_TIMEOUT_MS, FEED_RERUN_BUDGET_MS } from "./feed.js";
import { maxAnswerBytes, type ServerRecord, type ServiceRecord } from "./records.js";
import { AnswerTooLargeError } from "./http.js";
import { fetchPost, SocketPost, type Post, type Posted, type WebSocketClass } from "./sockets.js";
import type { Audit, CallReport, Check, ServerAnswer } from "./report.js";
import { Scores, type ScoreStore } from "./scores.js";
import { equalVerifier, majorityVerifier, wasmVerifier, type Verifier } from "./verifiers.js";
import {
  attestationVerifies, evidenceId, evidenceOf, parseAttestation, responseHash, serviceCall, type Attestation,
  type ServiceCall,
} from "./wire.js";

/** How a client is set up. Only `bootstrap` is required. */
export interface ConnectOptions {
  /** Any nodes: every record they hand out is verified here. */
  bootstrap: string[];
  /**
   * How the client learns records. `lookup` (default): a service's record and the servers offering it, asked of the
   * bootstrap nodes (`tandem_lookup`) when it is first called and again on each refresh, so a page never copies the
   * whole registry (which anyone can grow: 50,000 records took a client 9 s and 200 MB). `full`: every record, pulled
   * at connect and on each refresh (`tandem_records`). A bootstrap node too old to know `tandem_lookup` is read whole.
   */
  registry?: "lookup" | "full";
  /** Where scores and convictions survive restarts: `localStorageStore()` in a browser, `fileScoreStore()` in Node. */
  scoreStore?: ScoreStore;
  /** `local` (default): conflicts are settled by re-running the request here; `home`: by the home server only. */
  referee?: "local" | "home";
  /** More servers than the verifier needs to ask up front. */
  minRequests?: number;
  /**
   * Read the evidence feeds (`tandem_evidence`) of the bootstrap nodes at connect and on each refresh, and
   * convict on what its own re-run confirms (default true; never with `referee: "home"`, which re-runs nothing).
   */
  evidenceFeed?: boolean;
  /**
   * How old records and feeds may get, in ms, before a call starts a refresh (default 30 000, the Java SDK's). The
   * refresh runs in the background, one at a time, and no call waits for it: calls go on with what the client knows.
   */
  refreshIntervalMs?: number;
  /**
   * The re-run wall time, in ms, one pull of the evidence feeds spends at most (default 5000); what is left is judged
   * by the next pull, the feed position staying before it.
   */
  feedRerunBudgetMs?: number;
  /**
   * Evidence of a service whose `limits.timeoutMs` is over this many ms (default 10 000) is never re-run here, only
   * counted (`feed.stats.passedOver`) and read past: anyone can register a service whose every call takes its whole
   * limit, so the nodes judge such evidence.
   */
  feedMaxRerunTimeoutMs?: number;
  /**
   * Where modules fetched by CID are kept, so a later conflict (or a later session) does not fetch them again:
   * `fileModuleCache(dir)` from `@tandem/client/node`, `cacheStorageModuleCache()`, `memoryModuleCache()` or your own.
   * Default: in Node the directory `~/.tandem/modules` (the Java client's), in a browser Cache Storage (memory where
   * there is none).
   */
  moduleCache?: ModuleCache;
  /**
   * Where the referee's re-runs execute. Default: a worker (a Web Worker in a browser, `worker_threads` in Node), so
   * a long re-run never freezes the page and is stopped after the service's `limits.timeoutMs` (plus a second) with
   * no verdict; inline where no worker can start. `inlineSandbox()` runs them on the calling thread.
   */
  sandbox?: Sandbox;
  /** The whole call's deadline (default 30 s). */
  callTimeoutMs?: number;
  /**
   * Spot-check mode, the Java SDK's `spotCheck(rate)`: only a random fraction `rate` of calls, in (0, 1], is
   * spot-checked; every other call goes to one proven server alone (established here, with a score of 60 or more:
   * about ten more good answers than bad) and its signed answer is taken unverified (`report.decision` `unchecked`).
   * A spot check asks a proven server and one server of another operator (drawn by weight, so a server on probation
   * earns trust this way) at once: the same signed answer from both is taken (`report.decision` `spot-check`), and
   * any difference goes to the referee, whose re-run convicts whoever was wrong. One other operator is enough to
   * expose a lie because a disagreement is settled by a re-run, never by counting answers. Where no proven server (or,
   * for a spot check, no other operator) offers the service, or a server asked fails or takes over a second, the call
   * is verified in full, the answers already in counting as votes. A service error is never taken unverified from one
   * server: the client's own re-run decides it. The trade: a call costs about `1 + rate` requests, against wrong
   * answers from a proven server that turns liar until a spot check or an audit catches it (about `(1 - rate) / rate`
   * of its calls on average); it is then convicted and never asked again. Default 1: every call is verified in full.
   */
  spotCheck?: number;
  /**
   * The fraction of accepted answers, in [0, 1], re-run here off the caller's path (spot-check mode's unchecked
   * ones included), as the Java SDK's `audit(rate)`: a wrong one convicts every signer and sends the evidence
   * (`report.audit`, `onWrongAnswer`). Default 0.02; 0 turns audits off. Never with `referee: "home"`.
   */
  audit?: number;
  /** Told of every accepted answer an audit found wrong (the report returned for it, and the audit). */
  onWrongAnswer?: (report: CallReport, audit: Audit) => void;
  /**
   * How service calls travel. `auto` (default): as messages on WebSockets kept open to the servers, in browsers (with
   * no `fetch` of your own given) or with the class given as `WebSocket`, each first call to a server by fetch while
   * its socket opens; a server that refuses the upgrade is called by fetch. `fetch`: every call is a `POST`, its
   * answer cut off at the record's answer bound as it arrives (a browser reads a WebSocket message whole before it can
   * be refused for its size; see docs/protocol.md).
   */
  transport?: "auto" | "fetch";
  /**
   * The WebSocket class calls use with `transport: "auto"`. In Node none is used unless given (Node 22's own, or the
   * `ws` package's): an open socket keeps a Node process running until `close()`, or 20 s after its last call.
   */
  WebSocket?: WebSocketClass;
  /** Every HTTP request of the client goes through it (records, calls, modules, evidence); calls then go by fetch unless `WebSocket` is given too. */
  fetch?: typeof fetch;
  random?: () => number;
}

/** Whether this runs in Node (where a socket left open keeps the process running). */
const inNode = () => typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === "string";

/** The default audit rate, the Java SDK's: one accepted answer in fifty is re-run here. */
export const DEFAULT_AUDIT = 0.02;
/**
 * How long spot-check mode waits for the server or two it asked (one proven server alone, or a spot check's pair)
 * before it verifies the call in full (the SDK's hedge delay).
 */
const PROVEN_WAIT_MS = 1000;
/** Nodes a piece of evidence is sent to (the Java SDK's `evidenceFanout` default). */
const EVIDENCE_FANOUT = 16;
/** The longest receipt of a submission read: a JSON-RPC answer of a few fields, with room to spare. */
const RECEIPT_BYTES = 64 << 10;
/** Shortest time between two refreshes forced by a service name not found. */
const REFRESH_AT_MOST_MS = 500;
/** How old records and feeds may get before a call starts a refresh in the background (the Java SDK's default). */
export const DEFAULT_REFRESH_INTERVAL_MS = 30_000;
const notAudited = (): Promise<Audit> =>
  Promise.resolve({ status: "not audited", convicted: [], evidence: [], detail: "not audited" });

/** A verified answer and how it was reached. */
export interface CallOutcome {
  /** The verified result, as the canonical JSON whose hash the servers signed. */
  result: Json;
  report: CallReport;
}

interface Vote {
  server: string;
  url: string;
  attestation: Attestation;
  response: JsonObject;
  /** The response's canonical text, whose hash the attestation signs. */
  canonical: string;
}

/**
 * Verified calls to Tandem services from a browser or Node, with the trust model of the Java SDK: records checked
 * locally, servers drawn by score and latency, `minRequests` of distinct operators asked in parallel, every
 * attestation checked, the record's verifier judging, and conflicts settled by re-running the request here (the
 * metered module fetched by CID), liars convicted and the evidence sent to the nodes.
 */
export class TandemClient {
  private readonly fetcher: typeof fetch;
  /** How a service call is sent: by fetch, or on a socket ({@link SocketPost}). */
  private readonly post: Post;
  private readonly sockets?: SocketPost;
  private readonly referee: Referee;
  private readonly sandbox: Sandbox;
  private readonly modules: ModuleStore;
  /** Convictions read from the nodes' evidence feeds, each confirmed by a re-run here. */
  readonly feed: EvidenceFeed;
  private readonly verifiers = new Map<string, Promise<Verifier>>();
  /** Audits still running. */
  private readonly audits = new Set<Promise<Audit>>();
  private nextId = 1;
  private lastForcedRefresh = -Infinity;
  /** When the last refresh began (connect's pull, the first). */
  private lastRefresh = Date.now();
  /** The refresh in flight (or the last one): refreshes, records then feeds, run one after another. */
  private refreshing: Promise<void> = Promise.resolve();
  /** The background refresh a call started, while it runs: at most one is. */
  private background?: Promise<void>;
  /** How often `close()` was called: a background refresh started before a close pulls no feed after it. */
  private closes = 0;

  private constructor(private readonly options: ConnectOptions, readonly directory: Directory,
      readonly scores: Scores) {
    this.fetcher = options.fetch ?? globalThis.fetch.bind(globalThis);
    const byFetch = fetchPost(this.fetcher);
    const WebSocket = options.transport === "fetch" ? undefined
      : options.WebSocket ?? (options.fetch || inNode() ? undefined : (globalThis as { WebSocket?: WebSocketClass }).WebSocket);
    this.sockets = WebSocket && new SocketPost(WebSocket, byFetch);
    this.post = this.sockets?.post ?? byFetch;
    this.modules = new ModuleStore(this.fetcher, options.moduleCache ? Promise.resolve(options.moduleCache)
      : defaultModuleCache());
    this.sandbox = options.sandbox ?? defaultSandbox();
    this.referee = new Referee(this.modules, this.fetcher, this.sandbox);
    this.feed = new EvidenceFeed(this.fetcher, directory, scores, this.referee, {
      rerunBudgetMs: options.feedRerunBudgetMs, maxRerunTimeoutMs: options.feedMaxRerunTimeoutMs,
      lookUpServices: options.registry !== "full" });
  }

  /** Reads the registry from the bootstrap nodes (at least one must answer) and returns a client. */
  static async connect(options: ConnectOptions): Promise<TandemClient> {
    if (!options.bootstrap?.length) throw new NoServersError("connect: give at least one bootstrap node");
    const spot = options.spotCheck ?? 1;
    if (!(spot > 0 && spot <= 1)) throw new RangeError(`spotCheck rate must be in (0, 1], got ${options.spotCheck}`);
    const audit = options.audit ?? DEFAULT_AUDIT;
    if (!(audit >= 0 && audit <= 1)) throw new RangeError(`audit rate must be in [0, 1], got ${options.audit}`);
    const interval = options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
    if (!(interval >= 0)) throw new RangeError(`refreshIntervalMs must be 0 or more, got ${options.refreshIntervalMs}`);
    for (const [name, ms] of [["feedRerunBudgetMs", options.feedRerunBudgetMs ?? FEED_RERUN_BUDGET_MS],
      ["feedMaxRerunTimeoutMs", options.feedMaxRerunTimeoutMs ?? FEED_MAX_RERUN_TIMEOUT_MS]] as const) {
      if (!(ms > 0)) throw new RangeError(`${name} must be positive, got ${ms}`);
    }
    if (options.transport !== undefined && options.transport !== "auto" && options.transport !== "fetch") {
      throw new RangeError(`transport must be "auto" or "fetch", got ${options.transport}`);
    }
    if (options.registry !== undefined && options.registry !== "lookup" && options.registry !== "full") {
      throw new RangeError(`registry must be "lookup" or "full", got ${options.registry}`);
    }
    const fetcher = options.fetch ?? globalThis.fetch.bind(globalThis);
    const scores = new Scores(options.scoreStore);
    const directory = new Directory(fetcher, () => scores.trusted(LOOKUP_PREFERRED));
    const answered = options.registry === "full" ? await directory.refresh(options.bootstrap)
      : (await Promise.allSettled(options.bootstrap.map((b) => rpc(fetcher, b, "tandem_status", {}, undefined,
        RECEIPT_BYTES)))).some((r) => r.status === "fulfilled");
    if (!answered) {
      throw new NoServersError(`connect: no bootstrap node answered (${options.bootstrap.join(", ")})`);
    }
    const client = new TandemClient(options, directory, scores);
    await client.pullFeed();
    return client;
  }

  /**
   * Pulls new records, then new evidence, from the bootstrap nodes (docs/protocol.md), after the refresh in flight if
   * there is one: never two at once. Only from them: any key may register a server, and a server the client merely
   * knows of could answer with endless pages of fresh records or of evidence to re-run.
   */
  async refresh(): Promise<void> {
    await this.serial(() => this.pullAll());
  }

  /** Runs `refresh` after the refresh in flight, if any. */
  private serial(refresh: () => Promise<void>): Promise<void> {
    const run = this.refreshing.then(refresh);
    this.refreshing = run.catch(() => undefined);
    return run;
  }

  private async pullAll(): Promise<void> {
    this.lastRefresh = Date.now();
    const closes = this.closes;
    if (this.options.registry === "full") await this.directory.refresh(this.options.bootstrap);
    else await this.directory.relookup(this.options.bootstrap);
    if (this.closes === closes) await this.pullFeed();
  }

  /**
   * Before a call: when records and feeds are older than the refresh interval, starts a refresh in the background,
   * unless one is running. The call does not wait for it: a bootstrap node that stalls, or a feed full of evidence to
   * re-run, must not hold every call.
   */
  private freshen(): void {
    const interval = this.options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
    if (this.background || Date.now() - this.lastRefresh < interval) return;
    const refresh = this.serial(async () => {
      // Only if still due: an explicit refresh may have run meanwhile.
      if (Date.now() - this.lastRefresh >= interval) await this.pullAll();
    }).catch(() => undefined).finally(() => {
      this.background = undefined;
    });
    this.background = refresh;
  }

  private async pullFeed(): Promise<void> {
    if (this.options.evidenceFeed !== false && this.options.referee !== "home") {
      await this.feed.pull(this.options.bootstrap);
    }
    this.scores.flush(); // what was read is written at once: a restart then reads only what is new
  }

  /**
   * Stops the records pull under way (its requests are aborted; what it read is kept) and the feed pull (before its
   * next re-run), waits for the audits still running, then writes the scores, stops the re-run worker and closes the
   * sockets to servers. The client can still be used afterwards (a later re-run starts another worker, a later
   * refresh goes on from where the stopped pull was, a later call opens sockets again).
   */
  async close(): Promise<void> {
    this.closes++;
    this.directory.stop();
    this.feed.stop();
    while (this.audits.size) await Promise.allSettled([...this.audits]);
    this.scores.flush();
    this.sandbox.close();
    this.sockets?.close();
  }

  /**
   * Calls `method` of a service (by id, NAME or OWNER/NAME) and returns the verified result. Throws
   * {@link ServiceError} for the service's own verified error, {@link UnverifiableError} when no answer could be
   * verified (never a wrong one), {@link NoServersError} when nobody offers it.
   */
  async call(service: string, method: string, params?: Json): Promise<CallOutcome> {
    this.freshen();
    const found = await this.find(service);
    await this.enoughServers(found.id);
    return new CallRun(this, found.id, found.record, await this.verifier(found.id, found.record),
      serviceCall(method, params)).run();
  }

  /** The service `ref` names: looked up on its first call (unless the whole registry is read), else as known. */
  private async find(ref: string): Promise<{ id: string; record: ServiceRecord }> {
    const lookup = this.options.registry !== "full";
    if (lookup && this.directory.lookedUpAt(ref) === undefined) {
      // A name is resolved among the services the lookup of that very name sent: another owner's service of the
      // name, known from another lookup, must not go unseen.
      this.lastForcedRefresh = Date.now();
      if (!(await this.directory.lookup(this.options.bootstrap, ref))) {
        throw new NoServersError(`no bootstrap node answered a lookup of '${ref}' (${this.options.bootstrap.join(", ")})`);
      }
    }
    try {
      return this.directory.resolve(ref);
    } catch (e) {
      if (!(e instanceof ServiceNotFoundError)) throw e;
      // At most one refresh in REFRESH_AT_MOST_MS for names not found (the Java SDK's rule): a page that calls an
      // unknown name in a loop must not ask the nodes each time.
      if (Date.now() - this.lastForcedRefresh < REFRESH_AT_MOST_MS) throw e;
      this.lastForcedRefresh = Date.now();
      // Records only, which this call needs (after a pull of them in flight); the feeds wait for their refresh.
      if (lookup) await this.directory.lookup(this.options.bootstrap, ref);
      else await this.directory.refresh(this.options.bootstrap);
      return this.directory.resolve(ref);
    }
  }

  /**
   * With lookups, looks service `id` up again (at most every REFRESH_AT_MOST_MS) when fewer than two servers it does
   * not blacklist offer it: servers that began offering it since the last lookup may be there (the Java SDK's rule).
   */
  private async enoughServers(id: string): Promise<void> {
    if (this.options.registry === "full") return;
    const usable = this.directory.offering(id).filter((s) => !this.scores.blacklisted(s.key)).length;
    const at = this.directory.lookedUpAt(id);
    if (usable < 2 && (at === undefined || Date.now() - at >= REFRESH_AT_MOST_MS)) {
      await this.directory.lookup(this.options.bootstrap, id);
    }
  }

  /** @internal */
  get context() {
    return { options: this.options, fetcher: this.fetcher, post: this.post, referee: this.referee, nextId: () => this.nextId++,
      audits: this.audits, random: this.options.random ?? Math.random };
  }

  private verifier(id: string, record: ServiceRecord): Promise<Verifier> {
    if (record.verifier === "builtin:equal") return Promise.resolve(equalVerifier);
    if (record.verifier === "builtin:majority") return Promise.resolve(majorityVerifier);
    let v = this.verifiers.get(record.verifier);
    if (!v) {
      v = this.loadVerifier(record.verifier, this.directory.moduleSources(record, id, this.scores, this.options.bootstrap));
      v.catch(() => this.verifiers.delete(record.verifier));
      this.verifiers.set(record.verifier, v);
    }
    return v;
  }

  private async loadVerifier(cid: string, sources: string[]): Promise<Verifier> {
    try {
      return await wasmVerifier(cid, await this.modules.module(cid, sources));
    } catch (e) {
      throw new UnverifiableError(`verifier module ${cid} could not be fetched`, [(e as Error).message]);
    }
  }
}

/** One call: ask, check, judge, settle. Single use. */
class CallRun {
  private readonly started = Date.now();
  private readonly votes: Vote[] = [];
  private readonly answers: ServerAnswer[] = [];
  private readonly notes: string[] = [];
  private readonly convicted: string[] = [];
  private readonly evidence: CallReport["evidence"] = [];
  private readonly remaining: ServerRecord[];
  private readonly asked = new Set<string>();
  private readonly min: number;
  private readonly scores: Scores;
  private verdict: string | null = null;
  private rerun?: CallReport["rerun"];
  private check: Check;
  /** Servers whose answer comes too late to count as a vote (spot-check mode's servers, when slow). */
  private readonly late = new Set<string>();
  /**
   * Requests spot-check mode sent that are still out, with their server's URL: when the mode gives up on a call, the
   * full verification waits for them as for its own (their answers count as votes), unless they were too slow.
   */
  private readonly pending = new Map<Promise<Vote | undefined>, string>();
  /** The servers that were still out when spot-check mode last gave up waiting for them. */
  private slowest: string[] = [];

  constructor(private readonly client: TandemClient, private readonly id: string,
      private readonly record: ServiceRecord, private readonly verifier: Verifier, private readonly call: ServiceCall) {
    this.scores = client.scores;
    this.min = Math.max(verifier.minRequests, client.context.options.minRequests ?? 0);
    this.remaining = client.directory.offering(id).filter((s) => !this.scores.blacklisted(s.key));
    this.check = "full";
  }

  async run(): Promise<CallOutcome> {
    if (this.remaining.length === 0) {
      const n = this.client.directory.offering(this.id).length;
      throw new NoServersError(n === 0 ? `no server offers service ${this.label()}`
        : `no usable server for service ${this.label()}: ${n} offer it, all are blacklisted`, this.report(null, null));
    }
    const rate = this.client.context.options.spotCheck ?? 1;
    if (rate < 1) {
      const decided = this.client.context.random() < rate ? await this.spotCheck() : await this.askOneProvenServer();
      if (decided) return decided;
      this.check = "full";
    }
    const deadline = this.started + (this.client.context.options.callTimeoutMs ?? 30_000);
    let needed = this.min;
    while (true) {
      const launch = [];
      while (this.votes.length + this.pending.size + launch.length < needed && this.remaining.length > 0) {
        launch.push(this.pick());
      }
      // One deadline for the requests sent together (a timer per request showed in profiles).
      const signal = AbortSignal.timeout(this.record.limits.timeoutMs + 2000);
      await Promise.all([...launch.map((s) => this.ask(s.url, s.key, false, signal)), ...this.pending.keys()]);
      if (this.votes.length < needed) {
        if (this.remaining.length > 0 && Date.now() < deadline) continue;
        return this.settle(null, `only ${this.votes.length} valid answers of ${needed} needed`);
      }
      const v = await this.verifier.judge({ method: this.call.method, params: this.call.params },
        this.votes.map((x) => ({ server: x.server, response: x.response, hash: x.attestation.responseHash })));
      this.verdict = v.verdict;
      if (v.verdict === "insufficient") {
        needed = this.votes.length + 1;
        if (this.remaining.length === 0) return this.settle(null, "the verifier wants more answers than there are servers");
        continue;
      }
      if (v.verdict === "conflict") return this.settle(null, "the verifier found a conflict");
      const hash = this.votes[v.accepted!].attestation.responseHash;
      if (new Set(this.votes.map((x) => x.attestation.responseHash)).size > 1) {
        return this.settle(hash, "a dissenting answer");
      }
      const signers = this.votes.filter((x) => x.attestation.responseHash === hash);
      const operators = new Set(signers.map((x) => operatorOf(x.url)));
      const established = signers.some((x) => this.scores.established(x.server));
      const canReferee = this.refereeBlocker() === undefined;
      if (operators.size >= this.min && (established || !canReferee)) {
        if (established && operators.size >= 2) signers.forEach((x) => this.scores.confirm(x.server));
        return this.accept(hash, "verifier");
      }
      if (operators.size < this.min && this.remaining.length > 0) {
        needed = this.votes.length + 1; // another operator adds a confirmation
        continue;
      }
      // Servers on probation, or too few operators: the referee stands in for the missing confirmation.
      return this.settle(hash, established ? "too few distinct operators" : "every signer is on probation");
    }
  }

  /**
   * Spot-check mode, for a call the draw did not pick: the signed answer of one proven server, taken as is, or when
   * it is a service error, as the client's own re-run decides. Undefined when no proven server is a candidate, the
   * one asked failed or was slow, or its error could not be re-run here: then the call is verified in full (with the
   * proven server's answer as one of its votes, unless it came too late).
   */
  private async askOneProvenServer(): Promise<CallOutcome | undefined> {
    const proven = this.remaining.filter((s) => this.scores.proven(s.key));
    if (proven.length === 0) {
      this.notes.push("spot-check mode: no proven server offers the service, so the call is verified in full");
      return undefined;
    }
    this.check = "unchecked";
    const server = this.pick(proven);
    this.send(server);
    const outcome = await this.awaitSent();
    if (outcome === "slow") {
      this.notes.push(`spot-check mode: the proven server ${server.url} took over ${PROVEN_WAIT_MS} ms, so the call is verified in full`);
      return undefined;
    }
    if (outcome === "failed") {
      this.notes.push(`spot-check mode: the proven server ${server.url} gave no valid answer, so the call is verified in full`);
      return undefined;
    }
    const vote = this.votes[0];
    const hash = vote.attestation.responseHash;
    if (!("error" in vote.response)) return this.accept(hash, "unchecked");
    // A service error is never taken unchecked (ServiceError always carries a verified error): a re-run here decides.
    const blocker = this.refereeBlocker();
    if (blocker !== undefined) {
      this.notes.push(`spot-check mode: the proven server's error is not re-run here (${blocker}), so the call is verified in full`);
      return undefined;
    }
    let run;
    try {
      run = await this.client.context.referee.rerun(this.record, this.call, this.sources());
    } catch (e) {
      this.notes.push(`the referee could not re-run the proven server's error (${(e as Error).message}), so the call is verified in full`);
      return undefined;
    }
    const decided = responseHash(run.response);
    this.rerun = { responseHash: decided, fuel: run.fuel };
    this.notes.push(decided === hash ? `the proven server's error ${short(hash)} is confirmed by the re-run here`
      : `the proven server's error ${short(hash)} is wrong: the re-run here gives ${short(decided)}`);
    if (decided === hash) this.scores.confirm(vote.server);
    else await this.convict([vote]);
    return this.accept(decided, "referee", run.response); // throws the verified error, or returns a result
  }

  /**
   * Spot-check mode, for a call the draw picked (the Java SDK's AdaptiveCall.spotCheck): one proven server and one
   * server of another operator, drawn by weight (a server on probation earns trust this way), asked at once. The
   * same signed answer from both is taken (decision `spot-check`), and an established signer's agreement confirms the
   * other; any difference goes to the referee, whose re-run convicts whoever was wrong. One other operator is enough
   * to expose a lie because a disagreement is settled by a re-run, never by counting more answers, so a spot check
   * costs one request more than an unchecked call rather than a whole sample. Undefined when no proven server or no
   * other operator is a candidate, or one of the two failed or was slow: then the call is verified in full, and the
   * answers already in (or still coming in good time) count as votes.
   */
  private async spotCheck(): Promise<CallOutcome | undefined> {
    const proven = this.remaining.filter((s) => this.scores.proven(s.key));
    if (proven.length === 0) {
      this.notes.push("spot check: no proven server offers the service, so the call is verified in full");
      return undefined;
    }
    const server = this.pick(proven);
    this.send(server);
    if (this.remaining.length === 0) {
      this.notes.push("spot check: no other server offers the service, so the call is verified in full");
      return undefined;
    }
    const other = this.pick(); // by weight, among operators not asked yet when there are any
    this.send(other);
    if (operatorOf(other.url) === operatorOf(server.url)) {
      this.notes.push("spot check: every other server shares the proven server's operator, so the call is verified in full");
      return undefined;
    }
    this.check = "spot-check";
    const outcome = await this.awaitSent();
    if (outcome !== "answered") {
      this.notes.push(outcome === "slow"
        ? `spot check: ${this.slowest.join(" and ")} took over ${PROVEN_WAIT_MS} ms, so the call is verified in full`
        : "spot check: a server asked gave no valid answer, so the call is verified in full");
      return undefined;
    }
    const [a, b] = this.votes;
    const hash = a.attestation.responseHash;
    if (b.attestation.responseHash !== hash) {
      return this.settle(null, `spot check: the proven server and a server of another operator signed different answers `
        + `(${short(hash)} and ${short(b.attestation.responseHash)})`);
    }
    // Two operators sign it: an established signer vouches for the other, as in the full verification.
    if (this.votes.some((v) => this.scores.established(v.server))) this.votes.forEach((v) => this.scores.confirm(v.server));
    return this.accept(hash, "spot-check");
  }

  /** Asks `server` for spot-check mode; the request stays in {@link pending} until it answers. */
  private send(server: ServerRecord): void {
    const request: Promise<Vote | undefined> = this.ask(server.url, server.key, false)
      .finally(() => this.pending.delete(request));
    request.catch(() => undefined); // a late request nobody waits for any more must not reject unhandled
    this.pending.set(request, server.url);
  }

  /**
   * Waits for spot-check mode's requests: until each gave a vote (`answered`), one gave no valid answer (`failed`:
   * the others stay pending and count as votes when they come), or {@link PROVEN_WAIT_MS} passed (`slow`: the ones
   * still out are late, scored when they answer but no vote of this call).
   */
  private async awaitSent(): Promise<"answered" | "failed" | "slow"> {
    const requests = [...this.pending.keys()];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slow = new Promise<"slow">((ok) => timer = setTimeout(() => ok("slow"), PROVEN_WAIT_MS));
    const done = new Promise<"answered" | "failed">((ok) => {
      let left = requests.length;
      for (const r of requests) {
        r.then((vote) => vote ? --left === 0 && ok("answered") : ok("failed"), () => ok("failed"));
      }
    });
    const outcome = await Promise.race([done, slow]);
    clearTimeout(timer);
    if (outcome === "slow") {
      this.slowest = [...this.pending.values()];
      this.slowest.forEach((url) => this.late.add(url)); // the full verification does not wait for them
      this.pending.clear();
    }
    return outcome;
  }

  /** Where modules and inputs are fetched from, asked in turn (`Directory.moduleSources`). */
  private sources(): string[] {
    return this.client.directory.moduleSources(this.record, this.id, this.scores, this.client.context.options.bootstrap);
  }

  private label(): string {
    return `${this.record.name} (${this.id})`;
  }

  /**
   * Draws one remaining server by weight (of `among`, a subset of the remaining ones, when given), preferring an
   * operator not asked yet.
   */
  private pick(among = this.remaining): ServerRecord {
    const fresh = among.filter((s) => !this.asked.has(operatorOf(s.url)));
    const pool = fresh.length ? fresh : among;
    const weights = pool.map((s) => this.scores.weight(s.key));
    const total = weights.reduce((a, b) => a + b, 0);
    let at = this.client.context.random() * total;
    let chosen = pool[pool.length - 1];
    for (let i = 0; i < pool.length; i++) {
      at -= weights[i];
      if (at < 0) {
        chosen = pool[i];
        break;
      }
    }
    this.remaining.splice(this.remaining.indexOf(chosen), 1);
    this.asked.add(operatorOf(chosen.url));
    return chosen;
  }

  /** Asks one server and files its answer: a vote only if every check passes (the Java SDK's Exchange). */
  private async ask(url: string, expected: string | null, home: boolean,
      signal = AbortSignal.timeout(this.record.limits.timeoutMs + 2000)): Promise<Vote | undefined> {
    const id = this.client.context.nextId();
    const body: JsonObject = { jsonrpc: "2.0", id, method: this.call.method };
    if (this.call.params !== null) body.params = this.call.params;
    const start = Date.now();
    let via: Posted["via"] | undefined;
    const fail = (kind: ServerAnswer["kind"], detail: string, server = expected) => {
      this.answers.push({ server, url, kind, home, detail, ms: Date.now() - start, via });
      if (server) this.scores.record(server, kind === "error" ? "error" : kind === "unreachable" ? "unreachable" : "invalid");
      return undefined;
    };
    let json: any;
    try {
      let res: Posted;
      try {
        res = await this.client.context.post(url, this.id, JSON.stringify(body), maxAnswerBytes(this.record.limits), signal);
        via = res.via;
      } catch (e) {
        if (e instanceof AnswerTooLargeError) return fail("invalid", e.message); // more than an honest node sends
        throw e;
      }
      try {
        json = JSON.parse(res.text);
      } catch {
        return fail(res.ok ? "invalid" : "error", res.ok ? "answer is not JSON" : `HTTP ${res.status}`);
      }
    } catch (e) {
      return fail("unreachable", (e as Error).name === "TimeoutError" ? "no answer in time" : (e as Error).message);
    }
    if (!isObject(json)) return fail("invalid", "answer is not a JSON-RPC response object");
    const error = json.error;
    if (json.tandem === undefined) {
      const code = isObject(error) ? error.code : undefined;
      return typeof code === "number" && !deterministic(code) ? fail("error", `error ${code}: ${(error as any).message}`)
        : fail("invalid", "answer has no attestation");
    }
    if (json.id !== id) return fail("invalid", `answer is for JSON-RPC id ${JSON.stringify(json.id)}, not ${id}`);
    if (("result" in json) === ("error" in json)) return fail("invalid", "answer must have exactly one of result and error");
    if (error !== undefined && (!isObject(error) || !Number.isInteger(error.code) || !deterministic(error.code as number))) {
      return fail("invalid", "attested an error that is not a deterministic one");
    }
    let att: Attestation;
    try {
      att = parseAttestation(json.tandem);
    } catch (e) {
      return fail("invalid", (e as Error).message);
    }
    const signer = expected ?? att.server;
    if (expected !== null && att.server !== expected) return fail("invalid", `attestation names server ${att.server}, not the one asked`, signer);
    if (att.service !== this.id) return fail("invalid", `attestation is for service ${att.service}`, signer);
    if (att.requestHash !== this.call.requestHash) return fail("invalid", `attestation is for request ${att.requestHash}`, signer);
    const response: JsonObject = "result" in json ? { result: json.result } : { error: error as JsonObject };
    let hash: string;
    let text: string;
    try {
      text = canonical(response);
      hash = sha256Hex(text);
    } catch (e) {
      return fail("invalid", `response cannot be canonicalized: ${(e as Error).message}`, signer);
    }
    if (att.responseHash !== hash) return fail("invalid", "attested response hash is not the hash of the response sent", signer);
    if (!(await attestationVerifies(att))) return fail("invalid", "attestation signature does not verify", signer);
    const ms = Date.now() - start;
    this.scores.record(signer, "success", ms);
    const vote = { server: signer, url, attestation: att, response, canonical: text };
    if (!home && !this.late.has(url)) this.votes.push(vote);
    this.answers.push({ server: signer, url, kind: "vote", home, responseHash: hash, fuel: att.fuel, ms, via,
      detail: "result" in response ? "result" : `error ${(error as JsonObject).code}`, attestation: json.tandem });
    return vote;
  }

  private refereeBlocker(): string | undefined {
    if (this.client.context.options.referee === "home") return "the client runs with referee: home";
    return Referee.unavailable(this.record, this.call);
  }

  /**
   * Settles by re-running the request here: its response decides, every signer of another one is convicted and the
   * evidence goes to the nodes. Without a referee the home server decides, and nobody is convicted here.
   */
  private async settle(candidate: string | null, why: string): Promise<CallOutcome> {
    this.notes.push(why);
    const blocker = this.refereeBlocker();
    if (blocker === undefined) {
      try {
        const run = await this.client.context.referee.rerun(this.record, this.call, this.sources());
        const hash = responseHash(run.response);
        this.rerun = { responseHash: hash, fuel: run.fuel };
        const liars = this.votes.filter((v) => v.attestation.responseHash !== hash);
        for (const v of this.votes) if (v.attestation.responseHash === hash) this.scores.confirm(v.server);
        if (liars.length) await this.convict(liars);
        return this.accept(hash, "referee", run.response);
      } catch (e) {
        this.notes.push(`the referee could not re-run: ${(e as Error).message}`);
      }
    } else {
      this.notes.push(`no local re-run: ${blocker}`);
    }
    return this.askHome(candidate);
  }

  private async askHome(candidate: string | null): Promise<CallOutcome> {
    if (typeof this.record.home !== "string") {
      throw new UnverifiableError(`no verified answer for ${this.label()}`, this.notes, this.report(null, null));
    }
    const homeKey = typeof this.record.homeKey === "string" ? this.record.homeKey : null;
    if (!homeKey) this.notes.push("the record pins no home key: the key answering at its URL is taken");
    const vote = await this.ask(this.record.home, homeKey, true);
    if (!vote) throw new UnverifiableError(`the home server gave no valid answer for ${this.label()}`, this.notes, this.report(null, null));
    const hash = vote.attestation.responseHash;
    if (candidate !== null && candidate !== hash) this.notes.push("the home server disagrees with the verifier's pick");
    const others = this.votes.filter((v) => v.attestation.responseHash !== hash);
    if (others.length) await this.sendEvidence([...this.votes, vote]); // the nodes re-run it and convict
    return this.accept(hash, "home", vote.response, [vote]);
  }

  private async convict(liars: Vote[]): Promise<void> {
    for (const v of liars) {
      this.scores.convict(v.server);
      if (!this.convicted.includes(v.server)) this.convicted.push(v.server);
    }
    await this.sendEvidence(this.votes);
  }

  private async sendEvidence(votes: Vote[]): Promise<void> {
    this.evidence.push(await this.deliver(votes));
  }

  /**
   * Sends evidence of `votes` to `EVIDENCE_FANOUT` nodes (the Java SDK's default): the home server, the bootstrap
   * nodes, then the servers offering the service by trust (`Directory.moduleSources`); nodes pass it on to each
   * other. Returns its id and what each node answered. Not to every server known: anyone can register servers, and a
   * thousand of them would cost the call a thousand requests.
   */
  private async deliver(votes: Vote[]): Promise<CallReport["evidence"][number]> {
    const e = evidenceOf(this.id, this.call, votes.map((v) => ({ attestation: v.attestation, response: v.response })));
    const id = evidenceId(e);
    const urls = this.sources().slice(0, EVIDENCE_FANOUT);
    const sentTo = await Promise.all(urls.map(async (url) => {
      try {
        const r = await rpc(this.client.context.fetcher, url, "tandem_submitEvidence", { evidence: e as unknown as Json },
          10_000, RECEIPT_BYTES);
        return { url, status: String(r.status) };
      } catch (err) {
        return { url, status: `failed: ${(err as Error).message}` };
      }
    }));
    return { id, sentTo };
  }

  /**
   * Accepts `hash` and returns the result (or throws the verified service error). Every accepted answer but the
   * referee's own may be drawn for an audit; `extra` are signed answers outside the votes (the home server's).
   */
  private accept(hash: string, decision: CallReport["decision"] & string, response?: JsonObject,
      extra: Vote[] = []): CallOutcome {
    const text = response ? canonical(response) : this.votes.find((v) => v.attestation.responseHash === hash)!.canonical;
    const ctx = this.client.context;
    const rate = ctx.options.audit ?? DEFAULT_AUDIT;
    const drawn = decision !== "referee" && rate > 0 && this.refereeBlocker() === undefined && ctx.random() < rate;
    const report = this.report(hash, decision, drawn ? null : notAudited());
    if (drawn) {
      const signers = [...this.votes, ...extra].filter((v) => v.attestation.responseHash === hash);
      const audit = this.audit(hash, signers).catch((e): Audit => ({ status: "failed", convicted: [], evidence: [],
        detail: String((e as Error)?.message ?? e) }));
      ctx.audits.add(audit);
      void audit.then((a) => {
        ctx.audits.delete(audit);
        if (a.status === "wrong") ctx.options.onWrongAnswer?.(report, a);
      });
      Object.defineProperty(report, "audit", { value: audit, enumerable: false });
    }
    // The canonical form of what was signed, whatever spelling a server sent.
    const canonicalResponse = JSON.parse(text) as JsonObject;
    if ("error" in canonicalResponse) {
      const err = canonicalResponse.error as JsonObject;
      throw new ServiceError(err.code as number, String(err.message), err.data, report);
    }
    return { result: canonicalResponse.result, report };
  }

  /**
   * The audit of an accepted answer, off the caller's path: the request re-run here; another answer convicts every
   * signer of the accepted one and sends the evidence (one item per signer: the nodes re-run it), the same answer
   * confirms them.
   */
  private async audit(hash: string, signers: Vote[]): Promise<Audit> {
    let run;
    try {
      run = await this.client.context.referee.rerun(this.record, this.call, this.sources());
    } catch (e) {
      return { status: "failed", convicted: [], evidence: [], detail: `the re-run could not be made: ${(e as Error).message}` };
    }
    const decided = responseHash(run.response);
    const keys = [...new Set(signers.map((v) => v.server))];
    if (decided === hash) {
      keys.forEach((k) => this.scores.confirm(k));
      return { status: "confirmed", responseHash: decided, convicted: [], evidence: [], detail: "the re-run here agrees" };
    }
    keys.forEach((k) => this.scores.convict(k));
    const evidence = await Promise.all(keys.map((k) => this.deliver([signers.find((v) => v.server === k)!])));
    return { status: "wrong", responseHash: decided, convicted: keys, evidence,
      detail: `the accepted answer ${short(hash)} was wrong: the re-run here gives ${short(decided)}` };
  }

  private report(accepted: string | null, decision: CallReport["decision"],
      audit: Promise<Audit> | null = notAudited()): CallReport {
    const report = {
      service: this.record.name, serviceId: this.id, method: this.call.method, requestHash: this.call.requestHash,
      // Copies: an answer that comes after the call ended (a slow proven server's) must not change a report given out.
      verifier: this.verifier.id, answers: [...this.answers], verdict: this.verdict, decision, check: this.check,
      verified: decision !== null && decision !== "unchecked", audited: audit === null, accepted,
      convicted: [...this.convicted], evidence: [...this.evidence], rerun: this.rerun, notes: [...this.notes],
      ms: Date.now() - this.started,
    } as Omit<CallReport, "audit"> as CallReport;
    if (audit) Object.defineProperty(report, "audit", { value: audit, enumerable: false, configurable: true });
    return report;
  }
}

function short(hash: string): string {
  return hash.slice(0, 12);
}

/** Deterministic outcomes are attested; -32000…-32009 (overloaded, timeout, …), parse and request errors are not. */
function deterministic(code: number): boolean {
  return !(code <= -32000 && code > -32010) && code !== -32700 && code !== -32600;
}
