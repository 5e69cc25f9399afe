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
  /** The attestation as the server signed it (votes only). */
  attestation?: Json;
}

/** How the accepted answer was decided. */
export type Decision = "verifier" | "referee" | "home";

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
