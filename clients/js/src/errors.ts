import type { CallReport } from "./report.js";

/** Every error this client throws. */
export class TandemError extends Error {
  constructor(message: string, readonly report?: CallReport) {
    super(message);
    this.name = new.target.name;
  }
}

/** No service has that id or name (or a bare name is used by several owners: the message names OWNER/NAME). */
export class ServiceNotFoundError extends TandemError {}

/** No server offers the service, or every one that does is blacklisted. */
export class NoServersError extends TandemError {}

/** No answer could be verified: never a wrong one. `reasons` says why. */
export class UnverifiableError extends TandemError {
  constructor(message: string, readonly reasons: string[], report?: CallReport) {
    super(message + (reasons.length ? `: ${reasons.join("; ")}` : ""), report);
  }
}

/** The service's own error, verified like a result: the request is at fault, not the network. */
export class ServiceError extends TandemError {
  constructor(readonly code: number, readonly errorMessage: string, readonly data: unknown, report: CallReport) {
    super(`service error ${code}: ${errorMessage}`, report);
  }
}
