import { canonical, type Json, type JsonObject } from "./json.js";
import { runVerifier, verifierMinRequests } from "./wasm.js";

/** A verifier's judgement of the signed responses to one request (docs/protocol.md, "Verifiers and verdicts"). */
export interface Verdict {
  verdict: "accept" | "conflict" | "insufficient";
  accepted: number | null;
  faulty: number[];
}

/** What a call needs of a verifier. */
export interface Verifier {
  id: string;
  minRequests: number;
  /** True for builtin:equal: one disagreement is final, asking more servers cannot help. */
  conflictIsFinal: boolean;
  /**
   * `hash` is the response's hash when the caller has it (the attested one, checked against the response): the
   * built-ins then compare hashes instead of canonicalizing every response again.
   */
  judge(request: { method: string; params: Json },
    responses: { server: string; response: JsonObject; hash?: string }[]): Promise<Verdict>;
}

/** builtin:equal: at least 2 responses, all identical; any disagreement is a conflict. */
export const equalVerifier: Verifier = {
  id: "builtin:equal", minRequests: 2, conflictIsFinal: true,
  async judge(_request, responses) {
    const r = responses.map((x) => x.hash ?? canonical(x.response));
    if (r.length < 2) return { verdict: "insufficient", accepted: null, faulty: [] };
    return r.every((t) => t === r[0]) ? { verdict: "accept", accepted: 0, faulty: [] }
      : { verdict: "conflict", accepted: null, faulty: [] };
  },
};

/** builtin:majority: at least 3 responses; a strict majority of 2 or more identical ones wins. */
export const majorityVerifier: Verifier = {
  id: "builtin:majority", minRequests: 3, conflictIsFinal: false,
  async judge(_request, responses) {
    const r = responses.map((x) => x.hash ?? canonical(x.response));
    const n = r.length;
    if (n < 3) return { verdict: "insufficient", accepted: null, faulty: [] };
    const quorum = Math.floor(n / 2) + 1;
    for (let i = 0; i < n; i++) {
      if (r.indexOf(r[i]) !== i) continue;
      const size = r.filter((t) => t === r[i]).length;
      if (size >= quorum && size >= 2) {
        return { verdict: "accept", accepted: i, faulty: r.flatMap((t, j) => (t === r[i] ? [] : [j])) };
      }
    }
    return { verdict: "conflict", accepted: null, faulty: [] };
  },
};

/**
 * A verifier module (by CID, bytes already checked), run in this engine's WebAssembly. Its input is what the
 * built-ins see: `{"requests":[…],"responses":[{"server","response"}…]}`.
 */
export async function wasmVerifier(id: string, module: WebAssembly.Module): Promise<Verifier> {
  const minRequests = await verifierMinRequests(module);
  return {
    id, minRequests, conflictIsFinal: false,
    async judge(request, responses) {
      const out = await runVerifier(module, { requests: responses.map(() => request),
        responses: responses.map(({ server, response }) => ({ server, response })) });
      const v = out as unknown as Verdict;
      if (!v || !["accept", "conflict", "insufficient"].includes(v.verdict)
          || (v.verdict === "accept") !== Number.isInteger(v.accepted)) {
        throw new Error(`verifier ${id} gave no valid verdict`);
      }
      return { verdict: v.verdict, accepted: v.accepted ?? null, faulty: v.faulty ?? [] };
    },
  };
}
