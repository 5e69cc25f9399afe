export { canonical, sha256Hex, type Json, type JsonObject } from "./json.js";
export { parseKey, formatKey, verifySignature } from "./crypto.js";
export { rawCid, matchesCid } from "./cid.js";
export { serviceId, signingText, verifyRecord, type ServiceRecord, type ServerRecord, type SignedRecord } from "./records.js";
export {
  serviceCall, responseHash, parseAttestation, attestationVerifies, signedFuel, evidenceId, evidenceReportMessage,
  evidenceOf, type Attestation, type Evidence, type ServiceCall,
} from "./wire.js";
