/**
 * Reading answers from servers that may be hostile: never more bytes than an honest server sends, and never longer
 * than a download's allowance (the Java client's rules, docs/protocol.md "Limits of an answer").
 */

/** An answer longer than the request allowed: it was cancelled unread. */
export class AnswerTooLargeError extends Error {
  constructor(readonly max: number) {
    super(`the answer is larger than ${max} bytes`);
    this.name = "AnswerTooLargeError";
  }
}

/** Slowest average pace of a download, in bytes a second, that `downloadTimeMs` allows. */
const MIN_DOWNLOAD_BYTES_PER_SECOND = 256 << 10;

/** The time a download of up to `maxBytes` gets: `timeoutMs`, and one more second for every 256 KiB it may be, an hour at most. */
export function downloadTimeMs(timeoutMs: number, maxBytes: number): number {
  return timeoutMs + Math.min(3_600_000, Math.floor(Math.max(0, maxBytes) * 1000 / MIN_DOWNLOAD_BYTES_PER_SECOND));
}

/**
 * What a download by CID is bounded by, as on the nodes: its answer must begin within `timeoutMs`, and the whole of it
 * arrive within `downloadTimeMs`. Call `begun()` once the answer's headers are in.
 */
export function downloadDeadline(timeoutMs: number, maxBytes: number): { signal: AbortSignal; begun: () => void } {
  const start = new AbortController();
  const timer = setTimeout(() => start.abort(new DOMException("no answer in time", "TimeoutError")), timeoutMs);
  (timer as { unref?: () => void }).unref?.();
  return {
    signal: AbortSignal.any([start.signal, AbortSignal.timeout(downloadTimeMs(timeoutMs, maxBytes))]),
    begun: () => clearTimeout(timer),
  };
}

/**
 * The body of `res`, at most `max` bytes. A longer one (declared, or found while reading a body of no declared
 * length) is cancelled, which hangs up, and throws `AnswerTooLargeError`.
 */
export async function readBody(res: Response, max: number): Promise<Uint8Array> {
  const declared = res.headers.get("Content-Length");
  if (declared !== null && /^\d+$/.test(declared)) {
    if (Number(declared) > max) {
      await res.body?.cancel().catch(() => undefined);
      throw new AnswerTooLargeError(max);
    }
    return new Uint8Array(await res.arrayBuffer()); // the runtime reads no more than the declared length
  }
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new AnswerTooLargeError(max);
    }
    parts.push(value);
  }
  return parts.length === 1 ? parts[0] : concat(parts, size);
}

/** `parts` (of `size` bytes in all) as one array. */
export function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const UTF8 = new TextDecoder();

/** As `readBody`, decoded as UTF-8 text. */
export async function readText(res: Response, max: number): Promise<string> {
  const declared = res.headers.get("Content-Length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) <= max) return res.text();
  return UTF8.decode(await readBody(res, max));
}
