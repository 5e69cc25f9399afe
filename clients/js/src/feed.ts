import { isObject, type Json, type JsonObject } from "./json.js";
import type { Directory } from "./directory.js";
import { rpc } from "./directory.js";
import { Referee } from "./referee.js";
import type { ServiceRecord } from "./records.js";
import type { FeedPosition, Scores } from "./scores.js";
import {
  attestationVerifies, evidenceId, parseAttestation, responseHash, serviceCall, type Attestation, type ServiceCall,
} from "./wire.js";

/** Most attestations one piece of evidence may carry (the nodes' limit). */
const MAX_ATTESTATIONS = 64;
/** Items per page and pages per node in one pull: each item may cost a re-run here. */
const PAGE = 50;
const MAX_PAGES = 4;
/** Evidence ids taken here, remembered so the same item from several nodes is taken once. */
const JUDGED_ENTRIES = 4096;
/** The re-run wall time one pull spends at most, unless `feedRerunBudgetMs` says otherwise. */
export const FEED_RERUN_BUDGET_MS = 5_000;
/**
 * The longest `limits.timeoutMs` of a service whose evidence the client re-runs, unless `feedMaxRerunTimeoutMs` says
 * otherwise.
 */
export const FEED_MAX_RERUN_TIMEOUT_MS = 10_000;
/**
 * The most memory, in 64 KiB pages (256 MiB), that a service whose evidence the client re-runs may use: a stranger's
 * service may take its whole 2 GiB, which a page should not give to a feed.
 */
export const FEED_MAX_RERUN_MEMORY_PAGES = 4096;

/** What reading the feeds may cost (see {@link EvidenceFeed}). */
export interface FeedLimits {
  /** The re-run wall time one pull spends at most. */
  rerunBudgetMs: number;
  /** Evidence of a service whose `limits.timeoutMs` is over this is never re-run here. */
  maxRerunTimeoutMs: number;
  /**
   * Whether the service record of an item is looked up (`tandem_lookup`) when the client does not know it (a client
   * that looks services up as it calls them knows few); the time it takes counts in the re-run budget.
   */
  lookUpServices: boolean;
}

/** What one pull has spent on re-runs. */
interface Run {
  spentMs: number;
  reruns: number;
  /** Set by `stop()`: the pull starts no more re-runs or pages. */
  stopped?: boolean;
}

/** Evidence whose every signature and hash checked out. */
export interface CheckedEvidence {
  id: string;
  service: string;
  call: ServiceCall;
  attestations: Attestation[];
}

/**
 * Checks one item as the nodes do (docs/protocol.md, "Evidence"): the request hashes to the attestations' request
 * hash, every attestation is of this service and verifies under its server's key, none repeats, every response is
 * attested, well formed and hashes to its key, and more than one attestation means at least two different answers.
 * Throws an Error saying what is wrong.
 */
export async function checkEvidence(raw: unknown): Promise<CheckedEvidence> {
  if (!isObject(raw) || raw.type !== "tandem-evidence-v1") throw new Error("evidence: type must be tandem-evidence-v1");
  const { service, request, attestations, responses } = raw;
  if (typeof service !== "string") throw new Error("evidence: service must be a string");
  if (!isObject(request) || typeof request.method !== "string") throw new Error("evidence: request must be {method, params}");
  if (!Array.isArray(attestations) || attestations.length === 0 || attestations.length > MAX_ATTESTATIONS) {
    throw new Error(`evidence: attestations must hold 1 to ${MAX_ATTESTATIONS} entries`);
  }
  if (!isObject(responses)) throw new Error("evidence: responses must be an object");
  const call = serviceCall(request.method, request.params === undefined ? null : request.params);
  if (raw.requestHash !== undefined && raw.requestHash !== call.requestHash) {
    throw new Error("evidence: requestHash is not the hash of the included request");
  }
  const parsed: Attestation[] = [];
  const seen = new Set<string>();
  for (const [i, json] of attestations.entries()) {
    const a = parseAttestation(json);
    if (a.service !== service) throw new Error(`evidence: attestations[${i}] is for service ${a.service}`);
    if (a.requestHash !== call.requestHash) throw new Error(`evidence: attestations[${i}] is for another request`);
    if (!(await attestationVerifies(a))) throw new Error(`evidence: attestations[${i}] does not verify under ${a.server}`);
    if (seen.has(`${a.server} ${a.responseHash}`)) throw new Error(`evidence: attestations[${i}] repeats one`);
    seen.add(`${a.server} ${a.responseHash}`);
    if (!isObject(responses[a.responseHash])) throw new Error(`evidence: no response for attestations[${i}]`);
    parsed.push(a);
  }
  const attested = new Set(parsed.map((a) => a.responseHash));
  for (const [hash, response] of Object.entries(responses)) {
    if (!attested.has(hash)) throw new Error(`evidence: responses.${hash} is attested by nobody`);
    const r = response as JsonObject;
    const keys = isObject(r) ? Object.keys(r) : [];
    if (keys.length !== 1 || !(keys[0] === "result" || (keys[0] === "error" && isObject(r.error)))) {
      throw new Error(`evidence: responses.${hash} must be {"result":…} or {"error":{…}}`);
    }
    if (responseHash(r) !== hash) throw new Error(`evidence: responses.${hash} hashes to another value`);
  }
  if (parsed.length > 1 && attested.size < 2) throw new Error("evidence: every attestation signs the same answer");
  return { id: evidenceId({ service, requestHash: call.requestHash, attestations: attestations as Json[] }), service,
    call, attestations: parsed };
}

/** What the feed did since the client started. */
export interface FeedStats {
  /** Items read from the feeds. */
  read: number;
  /** Items this client re-ran. */
  judged: number;
  /** Items refused: a bad signature, a hash that does not match, the wrong shape. */
  invalid: number;
  /** Servers convicted here because of them. */
  convictions: number;
  /** Items never re-run here: their service may run longer than the client's cap (`feedMaxRerunTimeoutMs`). */
  passedOver: number;
}

/**
 * Convictions made anywhere the client can see (the Java SDK's conviction feed): the `tandem_evidence` feeds of the
 * bootstrap nodes and of every server it knows, read at connect and on each refresh. A node's word is never taken:
 * each item's signatures and hashes are checked, and the client re-runs the disputed request with its own referee;
 * every signer of another answer than the re-run's is convicted in its scores (and so persisted with them). Items
 * whose signers are all blacklisted here cost no re-run; items the referee cannot judge convict nobody. How far each
 * feed was read is kept with the scores, so a client reads only what is new.
 *
 * Reading a feed is bounded in the CPU its re-runs take, as in the Java SDK. Items are evidence that nodes judged and
 * stored, and anyone can register a service whose every call runs for its whole time limit (up to two minutes), then
 * get evidence of such a call stored, which every client reading the feed would re-run. So an item whose service's
 * `limits.timeoutMs` is over `maxRerunTimeoutMs`, or whose `limits.memoryPages` is over
 * {@link FEED_MAX_RERUN_MEMORY_PAGES}, is passed over: never re-run here, counted (`stats.passedOver`) and read past
 * like a judged one (the nodes judge it). And one pull re-runs items for at most `rerunBudgetMs` of wall
 * time: its first re-run always runs and a re-run under way ends, so a pull may go over the budget by one re-run per
 * node read at once. Then it stops, and each node's position stays before the page it stopped in: the next pull reads
 * the page again, its items already taken are remembered and cost nothing, and the others are judged then. The budget
 * never makes the feed read past an item. Pulls run one at a time.
 */
export class EvidenceFeed {
  /**
   * Ids taken here or being judged (the same item comes from several nodes at once): judged, re-run without a
   * verdict, or passed over. Each is re-run once, even on a page read again after a pull stopped in it.
   */
  private readonly judged = new Map<string, Promise<void>>();
  readonly stats: FeedStats = { read: 0, judged: 0, invalid: 0, convictions: 0, passedOver: 0 };
  private readonly limits: FeedLimits;
  /** The pull in flight (or the last one): pulls run one after another. */
  private pulling: Promise<void> = Promise.resolve();
  private readonly running = new Set<Run>();

  constructor(private readonly fetcher: typeof fetch, private readonly directory: Directory,
      private readonly scores: Scores, private readonly referee: Referee, limits: Partial<FeedLimits> = {}) {
    this.limits = { rerunBudgetMs: limits.rerunBudgetMs ?? FEED_RERUN_BUDGET_MS,
      maxRerunTimeoutMs: limits.maxRerunTimeoutMs ?? FEED_MAX_RERUN_TIMEOUT_MS,
      lookUpServices: limits.lookUpServices ?? false };
  }

  /**
   * Reads every node's feed from where it was left and judges what is new, after the pull in flight if there is one;
   * never throws.
   */
  pull(nodes: string[]): Promise<void> {
    const run = this.pulling.then(() => this.pullNow(nodes));
    this.pulling = run;
    return run;
  }

  /**
   * Stops the pulls under way: each ends before its next re-run or page, its re-run in flight still judged, and the
   * feed positions stay before what it did not judge. Pulls started later run as usual.
   */
  stop(): void {
    for (const run of this.running) run.stopped = true;
  }

  private async pullNow(nodes: string[]): Promise<void> {
    const run: Run = { spentMs: 0, reruns: 0 };
    this.running.add(run);
    try {
      await Promise.all([...new Set(nodes.map((n) => n.replace(/\/$/, "")))].map(async (node) => {
        try {
          await this.follow(node, nodes, run);
        } catch {
          // a node that cannot be read now is read next time, from the same position
        }
      }));
    } finally {
      this.running.delete(run);
    }
  }

  /**
   * Whether the pull may start another re-run or page: unless stopped, its first re-run always (every pull judges
   * something), then within budget.
   */
  private goesOn(run: Run): boolean {
    return !run.stopped && (run.reruns === 0 || run.spentMs < this.limits.rerunBudgetMs);
  }

  private async follow(node: string, sources: string[], run: Run): Promise<void> {
    let at: FeedPosition = this.scores.feedPosition(node) ?? { cursor: 0 };
    // Once the budget is spent, no more pages: the next pull reads them.
    for (let page = 0; page < MAX_PAGES && this.goesOn(run); page++) {
      const res = await rpc(this.fetcher, node, "tandem_evidence", { cursor: at.cursor, limit: PAGE });
      if (!Array.isArray(res?.evidence) || res.evidence.length > PAGE || !Number.isSafeInteger(res.next) || res.next < 0
          || typeof res.more !== "boolean") {
        throw new Error(`tandem_evidence at ${node}: not {evidence: [at most ${PAGE}], next: n, more: bool}`);
      }
      const log = typeof res.log === "string" ? res.log : undefined;
      if ((at.log !== undefined && log !== undefined && log !== at.log && at.cursor > 0) || res.next < at.cursor) {
        at = { log, cursor: 0 }; // a new log behind the same URL: read it from the start
        continue;
      }
      for (const item of res.evidence) {
        if (!(await this.take(item, sources, run))) return; // the budget is spent: the position stays before this page
      }
      at = { log, cursor: res.next };
      this.scores.storeFeedPosition(node, at);
      if (!res.more || res.evidence.length === 0) return;
    }
  }

  /**
   * Takes one item: checked, re-run here, and every signer of another answer than the re-run's convicted. False when
   * the pull's re-run budget is spent before it: the pull stops there, and the next one judges it.
   */
  private async take(item: unknown, sources: string[], run: Run): Promise<boolean> {
    this.stats.read++;
    let e: CheckedEvidence;
    try {
      e = await checkEvidence(item);
    } catch {
      this.stats.invalid++;
      return true;
    }
    const known = this.judged.get(e.id);
    if (known) {
      await known;
      return true;
    }
    const open = [...new Set(e.attestations.map((a) => a.server))].filter((k) => !this.scores.blacklisted(k));
    if (open.length === 0) { // everyone it names is blacklisted here already: no re-run needed
      this.remember(e.id, Promise.resolve());
      return true;
    }
    let record = this.directory.services.get(e.service);
    if (!record && this.limits.lookUpServices && !run.stopped && run.spentMs < this.limits.rerunBudgetMs) {
      const started = Date.now();
      try {
        await this.directory.lookup(sources, e.service, false);
      } finally {
        run.spentMs += Date.now() - started;
      }
      record = this.directory.services.get(e.service);
    }
    if (!record || Referee.unavailable(record, e.call) !== undefined) return true; // the record may come later
    if (!(record.limits.timeoutMs <= this.limits.maxRerunTimeoutMs)
        || !(record.limits.memoryPages <= FEED_MAX_RERUN_MEMORY_PAGES)) {
      this.stats.passedOver++; // counted once: remembered, however often it is read
      this.remember(e.id, Promise.resolve());
      return true;
    }
    if (!this.goesOn(run)) return false;
    const judging = this.judge(e, record, open, sources, run);
    this.remember(e.id, judging);
    await judging;
    return true;
  }

  private async judge(e: CheckedEvidence, record: ServiceRecord, open: string[], sources: string[],
      run: Run): Promise<void> {
    run.reruns++;
    const started = Date.now();
    let hash: string;
    try {
      const result = await this.referee.rerun(record, e.call,
        this.directory.moduleSources(record, e.service, this.scores, sources));
      hash = responseHash(result.response);
    } catch {
      // Not judged: it convicts nobody here. Still taken: a re-run that fails (a module nobody serves) fails again,
      // and trying it on every pull that reads its page again would spend each pull's budget on it.
      return;
    } finally {
      run.spentMs += Date.now() - started;
    }
    this.stats.judged++;
    const wrong = new Set(e.attestations.filter((a) => a.responseHash !== hash && open.includes(a.server))
      .map((a) => a.server));
    for (const liar of wrong) {
      if (this.scores.blacklisted(liar)) continue; // convicted meanwhile, on other evidence
      this.scores.convict(liar);
      this.stats.convictions++;
    }
  }

  private remember(id: string, judging: Promise<void>): void {
    if (this.judged.size >= JUDGED_ENTRIES) this.judged.delete(this.judged.keys().next().value!);
    this.judged.set(id, judging);
  }
}
