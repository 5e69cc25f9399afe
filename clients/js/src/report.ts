import type { Json } from "./json.js";

/** What one server did for a call. */
export interface ServerAnswer {
  server: string | null;
  url: string;
  /** `vote`: a valid signed answer; the others never count. */
  kind: "vote" | "error" | "unreachable" | "invalid";
  home: boolean;
  responseHash?: string;
  /** `result`, `error CODE`, or why the answer was not a vote. */
  detail: string;
  fuel?: number;
  ms: number;
  /** How the call travelled, when an answer came: `socket` (a message on a WebSocket) or `fetch` (a POST). */
  via?: "socket" | "fetch";
  /** The attestation as the server signed it (votes only). */
  attestation?: Json;
}

/**
 * How the accepted answer was decided: `verifier` (the verifier accepted answers of enough trustworthy servers),
 * `referee` (the client's own re-run), `home` (the home server's signed answer), `spot-check` (spot-check mode, a call
 * the draw picked: one proven server's signed answer and the same answer signed by a server of another operator; a
 * difference goes to the referee instead), or `unchecked` (spot-check mode: one proven server's signed answer, taken
 * without verification).
 */
export type Decision = "verifier" | "referee" | "home" | "spot-check" | "unchecked";

/**
 * How much of a call was checked: `full` (verified in full: every call, unless `spotCheck` is set; in spot-check
 * mode also a call whose shortcut could not be taken, when no proven server or no other operator was a candidate or a
 * server asked failed or was slow; the notes say why), `spot-check` (spot-check mode, and the draw picked this call:
 * a proven server and one server of another operator asked at once, decided `spot-check` when they agree and by
 * `referee` when they differ), `unchecked` (spot-check mode: one proven server asked alone; a service error it signs
 * is still decided by a re-run here, see `decision`).
 */
export type Check = "full" | "spot-check" | "unchecked";

/** An audit: the client re-ran an accepted answer's request itself, off the caller's path. */
export interface Audit {
  /**
   * `not audited` (the call was not drawn for an audit, nothing was accepted, or no re-run is possible here),
   * `confirmed` (the re-run gives the accepted answer), `wrong` (it gives another: the accepted answer's signers are
   * convicted), `failed` (the re-run could not be made).
   */
  status: "not audited" | "confirmed" | "wrong" | "failed";
  /** The response hash the re-run gave. */
  responseHash?: string;
  /** Keys of the servers convicted by the audit: the signers of a wrong accepted answer. */
  convicted: string[];
  /** The evidence sent for them (one item per signer) and what each node answered. */
  evidence: { id: string; sentTo: { url: string; status: string }[] }[];
  detail: string;
}

/** What a call did: who answered what, the verdict, how a conflict was settled, who was convicted. */
export interface CallReport {
  service: string;
  serviceId: string;
  method: string;
  requestHash: string;
  verifier: string;
  answers: ServerAnswer[];
  verdict: string | null;
  decision: Decision | null;
  /** How much of the call was checked (spot-check mode, see {@link Check}). */
  check: Check;
  /** Whether the accepted answer was verified: false when unchecked (spot-check mode) or when nothing was accepted. */
  verified: boolean;
  /** Whether the accepted answer was drawn for an audit (`audit` option): its outcome is {@link audit}. */
  audited: boolean;
  /**
   * The audit of the accepted answer, settled off the caller's path (`not audited` at once when {@link audited} is
   * false). Not enumerable, so a report stays plain data for `JSON.stringify` and structured clones.
   */
  readonly audit: Promise<Audit>;
  /** The response hash accepted, when one was. */
  accepted: string | null;
  /** Keys of servers convicted by this call (a local re-run showed their signed answer wrong). */
  convicted: string[];
  /** Evidence sent for the convictions: its id and what each node answered. */
  evidence: { id: string; sentTo: { url: string; status: string }[] }[];
  /** The client's own re-run, when it ran one: its response hash and the fuel it counted (the nodes' count). */
  rerun?: { responseHash: string; fuel: number };
  notes: string[];
  ms: number;
}
