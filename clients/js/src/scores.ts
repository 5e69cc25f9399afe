/** One server's standing at this client (docs/protocol.md, "Scores"). */
export interface ServerScore {
  score: number;
  /** Answers confirmed by a re-run here or by agreement with an established server: 5 end probation. */
  confirmations: number;
  latencyMs: number;
  convictedAt?: number;
}

/** Where this client stopped reading one node's evidence feed. */
export interface FeedPosition {
  log?: string;
  cursor: number;
}

/** What a {@link ScoreStore} keeps: every server's score, and how far each node's evidence feed was read. */
export interface StoredScores {
  servers: Record<string, ServerScore>;
  feeds: Record<string, FeedPosition>;
}

/** Where scores and convictions are kept between sessions. */
export interface ScoreStore {
  load(): StoredScores | undefined;
  save(scores: StoredScores): void;
}

/** Scores in the browser's localStorage under `key`. */
export function localStorageStore(key = "tandem.scores"): ScoreStore {
  return {
    load: () => {
      const text = globalThis.localStorage?.getItem(key);
      return text ? JSON.parse(text) : undefined;
    },
    save: (scores) => globalThis.localStorage?.setItem(key, JSON.stringify(scores)),
  };
}

export const PROBATION = 5;
/** The score at which an established server counts as proven for spot-check mode: about ten more good answers than bad. */
export const PROVEN_SCORE = 60;
/** How long a change to the scores may wait before it is written (see {@link Scores}). */
export const FLUSH_MS = 1000;
const START = 50;
/** What a server never heard of scores. */
const UNKNOWN: Readonly<ServerScore> = Object.freeze({ score: START, confirmations: 0, latencyMs: 0 });
const BLACKLIST_MS = 24 * 3600 * 1000;
const RAMP_MS = 7 * 24 * 3600 * 1000;
/** Score moves of docs/protocol.md: a valid answer +1, slow -1, a non-deterministic error -3, none or invalid -10. */
export const EVENTS = { success: 1, slow: -1, error: -3, unreachable: -10, invalid: -10 } as const;
export type ScoreEvent = keyof typeof EVENTS;

/**
 * Scores kept by this client: the same rules as the Java SDK's, persisted through a {@link ScoreStore}.
 *
 * Writes are batched: a change marks the scores dirty and they are written {@link FLUSH_MS} later, with every other
 * change made meanwhile (a file store rewrote its whole file twice per call otherwise). A conviction is written at
 * once, and {@link flush} (called by `TandemClient.close()` and after each evidence-feed read) writes what is
 * pending, so a crash loses at most the last second's score moves, never a conviction.
 */
export class Scores {
  private readonly byKey: Record<string, ServerScore>;
  private readonly feeds: Record<string, FeedPosition>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private dirty = false;

  constructor(private readonly store?: ScoreStore, private readonly now: () => number = Date.now,
      private readonly flushMs = FLUSH_MS) {
    const stored = store?.load();
    this.byKey = stored?.servers ?? {};
    this.feeds = stored?.feeds ?? {};
    // A page being left writes what is pending (a timer would not fire any more).
    if (store) globalThis.addEventListener?.("pagehide", () => this.flush());
  }

  /** How far `node`'s evidence feed was read, kept with the scores so a restarted client reads only what is new. */
  feedPosition(node: string): FeedPosition | undefined {
    return this.feeds[node];
  }

  storeFeedPosition(node: string, at: FeedPosition): void {
    const old = this.feeds[node];
    if (old?.cursor === at.cursor && old.log === at.log) return;
    this.feeds[node] = at;
    this.save();
  }

  get(key: string): ServerScore {
    return this.byKey[key] ??= { score: START, confirmations: 0, latencyMs: 0 };
  }

  /** The score of `key` without adding an entry for it: reads never grow the table (anyone can make keys). */
  private peek(key: string): Readonly<ServerScore> {
    return this.byKey[key] ?? UNKNOWN;
  }

  record(key: string, event: ScoreEvent, latencyMs?: number): void {
    const s = this.get(key);
    s.score = Math.max(0, Math.min(100, s.score + EVENTS[event]));
    if (latencyMs !== undefined) s.latencyMs = s.latencyMs ? s.latencyMs * 0.8 + latencyMs * 0.2 : latencyMs;
    this.save();
  }

  confirm(key: string): void {
    this.get(key).confirmations++;
    this.save();
  }

  convict(key: string): void {
    const s = this.get(key);
    s.score = 0;
    s.confirmations = 0;
    s.convictedAt = this.now();
    this.dirty = true;
    this.flush();
  }

  blacklisted(key: string): boolean {
    const at = this.byKey[key]?.convictedAt;
    return at !== undefined && this.now() - at < BLACKLIST_MS;
  }

  established(key: string): boolean {
    return this.peek(key).confirmations >= PROBATION && !this.blacklisted(key);
  }

  /** Whether spot-check mode may take this server's answer alone: established, with a score of {@link PROVEN_SCORE}. */
  proven(key: string): boolean {
    return this.established(key) && this.peek(key).score >= PROVEN_SCORE;
  }

  /**
   * The keys of established servers (not blacklisted), the heaviest first, at most `max`: what a lookup asks a
   * bootstrap node to send first, so that fresh keys offering a service cannot crowd the servers known here out.
   */
  trusted(max: number): string[] {
    return Object.keys(this.byKey).filter((k) => this.established(k))
      .sort((a, b) => this.weight(b) - this.weight(a)).slice(0, max);
  }

  /** Selection weight: score, slower servers less, and a ramp back over 7 days after a conviction. */
  weight(key: string): number {
    if (this.blacklisted(key)) return 0;
    const s = this.peek(key);
    const latency = 1 / (1 + s.latencyMs / 200);
    const since = s.convictedAt === undefined ? Infinity : this.now() - s.convictedAt - BLACKLIST_MS;
    const ramp = Math.min(1, Math.max(0.01, since / RAMP_MS));
    return Math.max(1, s.score) * latency * ramp;
  }

  snapshot(): Record<string, ServerScore> {
    return structuredClone(this.byKey);
  }

  /** Writes pending changes to the store now. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    try {
      this.store?.save({ servers: this.byKey, feeds: this.feeds });
    } catch {
      // A full store (localStorage's quota) must not undo what was judged: it stays in memory, and is written again
      // with the next change.
      this.dirty = true;
    }
  }

  private save(): void {
    this.dirty = true;
    if (!this.store || this.timer !== undefined) return;
    this.timer = setTimeout(() => this.flush(), this.flushMs);
    // In Node a pending write must not keep the process alive (close() flushes it).
    (this.timer as { unref?: () => void }).unref?.();
  }
}
