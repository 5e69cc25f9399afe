import { isObject, type Json, type JsonObject } from "./json.js";
import type { Directory } from "./directory.js";
import { rpc } from "./directory.js";
import { Referee } from "./referee.js";
import type { FeedPosition, Scores } from "./scores.js";
import {
  attestationVerifies, evidenceId, parseAttestation, responseHash, serviceCall, type Attestation, type ServiceCall,
} from "./wire.js";

/** Most attestations one piece of evidence may carry (the nodes' limit). */
const MAX_ATTESTATIONS = 64;
/** Items per page and pages per node in one pull: each item may cost a re-run here. */
const PAGE = 50;
const MAX_PAGES = 4;
/** Evidence ids judged here, remembered so the same item from several nodes is judged once. */
const JUDGED_ENTRIES = 4096;

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
}

/**
 * Convictions made anywhere the client can see (the Java SDK's conviction feed): the `tandem_evidence` feeds of the
 * bootstrap nodes and of every server it knows, read at connect and on each refresh. A node's word is never taken:
 * each item's signatures and hashes are checked, and the client re-runs the disputed request with its own referee;
 * every signer of another answer than the re-run's is convicted in its scores (and so persisted with them). Items
 * whose signers are all blacklisted here cost no re-run; items the referee cannot judge convict nobody. How far each
 * feed was read is kept with the scores, so a client reads only what is new.
 */
export class EvidenceFeed {
  /** Ids judged here or being judged (the same item comes from several nodes at once): each is re-run once. */
  private readonly judged = new Map<string, Promise<void>>();
  readonly stats: FeedStats = { read: 0, judged: 0, invalid: 0, convictions: 0 };

  constructor(private readonly fetcher: typeof fetch, private readonly directory: Directory,
      private readonly scores: Scores, private readonly referee: Referee) {}

  /** Reads every node's feed from where it was left and judges what is new; never throws. */
  async pull(nodes: string[]): Promise<void> {
    await Promise.all([...new Set(nodes.map((n) => n.replace(/\/$/, "")))].map(async (node) => {
      try {
        await this.follow(node, nodes);
      } catch {
        // a node that cannot be read now is read next time, from the same position
      }
    }));
  }

  private async follow(node: string, sources: string[]): Promise<void> {
    let at: FeedPosition = this.scores.feedPosition(node) ?? { cursor: 0 };
    for (let page = 0; page < MAX_PAGES; page++) {
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
      for (const item of res.evidence) await this.take(item, sources);
      at = { log, cursor: res.next };
      this.scores.storeFeedPosition(node, at);
      if (!res.more || res.evidence.length === 0) return;
    }
  }

  /** Judges one item: checked, re-run here, and every signer of another answer than the re-run's convicted. */
  private async take(item: unknown, sources: string[]): Promise<void> {
    this.stats.read++;
    let e: CheckedEvidence;
    try {
      e = await checkEvidence(item);
    } catch {
      this.stats.invalid++;
      return;
    }
    const known = this.judged.get(e.id);
    if (known) return known;
    const judging = this.judge(e, sources);
    this.remember(e.id, judging);
    return judging;
  }

  private async judge(e: CheckedEvidence, sources: string[]): Promise<void> {
    const open = [...new Set(e.attestations.map((a) => a.server))].filter((k) => !this.scores.blacklisted(k));
    if (open.length === 0) return; // everyone it names is blacklisted here already: no re-run needed
    const record = this.directory.services.get(e.service);
    if (!record || Referee.unavailable(record, e.call) !== undefined) {
      this.judged.delete(e.id); // the record may come with a later refresh
      return;
    }
    let hash: string;
    try {
      const run = await this.referee.rerun(record, e.call,
        this.directory.moduleSources(record, e.service, this.scores, sources));
      hash = responseHash(run.response);
    } catch {
      this.judged.delete(e.id); // not judged: it convicts nobody here, and is judged when read again
      return;
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
