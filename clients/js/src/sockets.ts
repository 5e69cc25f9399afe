/**
 * How a service call reaches a server: a `fetch` (`POST /services/{id}`), or a message on a WebSocket kept open to
 * that server for that service (`GET /services/{id}` upgraded; docs/protocol.md "Calls over a WebSocket"). In a
 * browser a fetch costs about a millisecond of its own, a message a tenth of that: most of what a verified call,
 * which asks two servers, costs a page beyond the servers' own work.
 */
import { SIMPLE } from "./directory.js";
import { AnswerTooLargeError, readText } from "./http.js";

/** What a server answered: its text, whether it came with a success status (always, over a socket), and how. */
export interface Posted {
  ok: boolean;
  status: number;
  text: string;
  via: "socket" | "fetch";
}

/** Sends one call's body to `base` for `service` and reads the answer, at most `maxBytes` of it, until `signal`. */
export type Post = (base: string, service: string, body: string, maxBytes: number, signal: AbortSignal) => Promise<Posted>;

/** The body as JSON-RPC over HTTP (as text/plain: a "simple" request, which a browser sends without a preflight). */
export function fetchPost(fetcher: typeof fetch): Post {
  return async (base, service, body, maxBytes, signal) => {
    const res = await fetcher(`${base.replace(/\/$/, "")}/services/${service}`, {
      method: "POST", headers: SIMPLE, body, signal,
    });
    return { ok: res.ok, status: res.status, text: await readText(res, maxBytes), via: "fetch" };
  };
}

/** The part of the WebSocket class this file uses: browsers', Node's (22 and later), or the `ws` package's. */
export interface WebSocketClass {
  new (url: string): WebSocketLike;
}

interface WebSocketLike {
  readonly readyState: number;
  onopen: ((e: any) => void) | null;
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: ((e: any) => void) | null;
  onerror: ((e: any) => void) | null;
  send(data: string): void;
  close(): void;
}

/** Sockets kept open to one server for one service, at most; past them a call goes by fetch. */
const MAX_SOCKETS = 4;
/** An idle socket is closed before the node's idle timeout (30 s) would close it under a call being sent. */
const IDLE_MS = 20_000;
/** How long a server whose upgrade failed, or that broke a socket's rules, is called by fetch only. */
const FETCH_ONLY_MS = 10 * 60_000;

/**
 * Calls over WebSockets, one call at a time on each socket (the node reads a socket's next message only once it has
 * answered the last), by fetch whenever no socket is open and idle: the first call to a server goes by fetch while a
 * socket opens for the next, so a socket never delays a call. A server whose upgrade fails (an older node, a proxy
 * that does not pass WebSockets) is called by fetch for ten minutes.
 *
 * The trade, against a fetch: a browser cannot stop reading a message midway, so an answer is refused for its size
 * only once it has arrived, and until then a hostile server can make the page hold what it sends within the call's
 * deadline. It does so once: a server that sends an answer over `maxBytes` (or anything but one text answer to one
 * call) is read by fetch only, its answers cut off at `maxBytes`, for the next ten minutes.
 */
export class SocketPost {
  private readonly pools = new Map<string, Pool>();
  /** Every socket open or opening, so that `close()` reaches the busy ones too. */
  private readonly sockets = new Set<CallSocket>();
  private readonly fetchOnly = new Map<string, number>();

  constructor(private readonly WebSocket: WebSocketClass, private readonly fallback: Post) {}

  readonly post: Post = async (base, service, body, maxBytes, signal) => {
    const origin = base.replace(/\/$/, "");
    const until = this.fetchOnly.get(origin);
    if (until !== undefined) {
      if (until > Date.now()) return this.fallback(base, service, body, maxBytes, signal);
      this.fetchOnly.delete(origin);
    }
    const key = `${origin}/services/${service}`;
    let pool = this.pools.get(key);
    if (!pool) this.pools.set(key, pool = new Pool());
    const socket = pool.idle.pop();
    if (!socket) {
      if (pool.open < MAX_SOCKETS) this.open(origin, key, pool);
      return this.fallback(base, service, body, maxBytes, signal);
    }
    try {
      const text = await socket.send(body, maxBytes, signal);
      pool.release(socket);
      return { ok: true, status: 200, text, via: "socket" };
    } catch (e) {
      if (e instanceof Broken) { // closed under the call, not by it: the call is sent again, by fetch
        return this.fallback(base, service, body, maxBytes, signal);
      }
      if (e instanceof AnswerTooLargeError || e instanceof Invalid) this.fetchOnly.set(origin, Date.now() + FETCH_ONLY_MS);
      throw e;
    }
  };

  /** @internal How many sockets to `base` for `service` are open and idle (for tests). */
  idle(base: string, service: string): number {
    return this.pools.get(`${base.replace(/\/$/, "")}/services/${service}`)?.idle.length ?? 0;
  }

  /** Closes every socket: a call on one is sent again by fetch. */
  close(): void {
    for (const s of [...this.sockets]) s.close();
    this.pools.clear();
  }

  private open(origin: string, key: string, pool: Pool): void {
    pool.open++;
    let ws: WebSocketLike;
    try {
      ws = new this.WebSocket(key.replace(/^http/, "ws"));
    } catch {
      pool.open--;
      this.fetchOnly.set(origin, Date.now() + FETCH_ONLY_MS);
      return;
    }
    const socket = new CallSocket(ws, () => {
      this.sockets.delete(socket);
      pool.drop(socket);
      if (--pool.open === 0 && this.pools.get(key) === pool) this.pools.delete(key); // nothing left to keep
    });
    this.sockets.add(socket);
    ws.onopen = () => pool.release(socket);
    ws.onerror = () => {
      if (!socket.opened) this.fetchOnly.set(origin, Date.now() + FETCH_ONLY_MS);
    };
  }
}

/** The sockets to one server for one service. */
class Pool {
  /** Sockets opened or opening, busy or not. */
  open = 0;
  readonly idle: CallSocket[] = [];

  release(socket: CallSocket): void {
    if (socket.closed) return;
    socket.opened = true;
    this.idle.push(socket);
    socket.idleSince(IDLE_MS);
  }

  drop(socket: CallSocket): void {
    const i = this.idle.indexOf(socket);
    if (i >= 0) this.idle.splice(i, 1);
  }
}

/** The socket closed under a call that did not close it: nothing was answered, and the call may be sent again. */
class Broken extends Error {}
/** The server broke the socket's rules (a binary message, an answer nobody asked for). */
class Invalid extends Error {}

/** One socket: one call at a time. */
class CallSocket {
  opened = false;
  closed = false;
  private pending?: { resolve(text: string): void; reject(e: Error): void; maxBytes: number };
  private idleTimer?: ReturnType<typeof setTimeout>;

  constructor(private readonly ws: WebSocketLike, private readonly onClosed: () => void) {
    ws.onmessage = (e) => this.answer(e.data);
    ws.onclose = () => {
      if (this.closed) return;
      this.closed = true;
      clearTimeout(this.idleTimer);
      this.pending?.reject(new Broken("the socket closed before the answer"));
      this.pending = undefined;
      onClosed();
    };
  }

  send(body: string, maxBytes: number, signal: AbortSignal): Promise<string> {
    clearTimeout(this.idleTimer);
    return new Promise<string>((resolve, reject) => {
      const abort = () => {
        this.pending = undefined;
        this.close(); // its answer may still come: the socket cannot be used again
        reject(signal.reason);
      };
      if (signal.aborted) return abort();
      signal.addEventListener("abort", abort, { once: true });
      this.pending = {
        resolve: (text) => {
          signal.removeEventListener("abort", abort);
          resolve(text);
        },
        reject: (e) => {
          signal.removeEventListener("abort", abort);
          reject(e);
        },
        maxBytes,
      };
      try {
        this.ws.send(body);
      } catch {
        this.close(); // not open after all: the pending call is rejected as Broken, and sent by fetch
      }
    });
  }

  /** Closes the socket when it stays idle `ms`. */
  idleSince(ms: number): void {
    this.idleTimer = setTimeout(() => this.close(), ms);
    (this.idleTimer as { unref?: () => void }).unref?.();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.pending?.reject(new Broken("closed"));
    this.pending = undefined;
    this.onClosed();
    try {
      this.ws.close();
    } catch {
      // already closing
    }
  }

  private answer(data: unknown): void {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending || typeof data !== "string") {
      pending?.reject(new Invalid(typeof data !== "string" ? "a binary answer" : "an answer to no call"));
      this.closed || this.close();
      return;
    }
    if (utf8Length(data, pending.maxBytes) > pending.maxBytes) {
      pending.reject(new AnswerTooLargeError(pending.maxBytes));
      this.close();
      return;
    }
    pending.resolve(data);
  }
}

/** The UTF-8 length of `text` when that is over `max`; else a number no more than `max`. */
function utf8Length(text: string, max: number): number {
  if (text.length > max) return text.length; // at least a byte per code unit
  if (text.length * 3 <= max) return text.length; // at most three per code unit
  let n = 0;
  for (let i = 0; i < text.length && n <= max; i++) {
    const c = text.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? (i++, 4) : 3;
  }
  return n;
}
