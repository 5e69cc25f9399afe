export { canonical, sha256Hex, type Json, type JsonObject } from "./json.js";
export { parseKey, formatKey, verifySignature } from "./crypto.js";
export { rawCid, matchesCid } from "./cid.js";
export { maxAnswerBytes, serviceId, signingText, verifyRecord, type ServiceRecord, type ServerRecord, type SignedRecord } from "./records.js";
export {
  serviceCall, responseHash, parseAttestation, attestationVerifies, signedFuel, evidenceId, evidenceReportMessage,
  evidenceOf, type Attestation, type Evidence, type ServiceCall,
} from "./wire.js";
export { TandemClient, DEFAULT_AUDIT, DEFAULT_REFRESH_INTERVAL_MS, type ConnectOptions, type CallOutcome } from "./client.js";
export { TandemError, ServiceNotFoundError, NoServersError, UnverifiableError, ServiceError } from "./errors.js";
export {
  Scores, localStorageStore, PROBATION, PROVEN_SCORE, FLUSH_MS, type ScoreStore, type ServerScore, type StoredScores, type FeedPosition,
} from "./scores.js";
export {
  EvidenceFeed, checkEvidence, FEED_MAX_RERUN_TIMEOUT_MS, FEED_MAX_RERUN_MEMORY_PAGES, FEED_RERUN_BUDGET_MS, type CheckedEvidence, type FeedLimits,
  type FeedStats,
} from "./feed.js";
export type { CallReport, ServerAnswer, Decision, Check, Audit } from "./report.js";
export { equalVerifier, majorityVerifier, type Verifier, type Verdict } from "./verifiers.js";
export { runMetered, CannotRerunError, type RunLimits, type RunResult } from "./wasm.js";
export { defaultSandbox, inlineSandbox, workerSandbox, type Sandbox, type WorkerPort } from "./sandbox.js";
export { memoryModuleCache, cacheStorageModuleCache, type ModuleCache } from "./modules.js";
