import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { formatKey, fromBase64Url, toBase64Url } from "../../src/crypto.js";
import { utf8, type Json, type JsonObject } from "../../src/json.js";
import { serviceId, signingText, type ServerRecord, type ServiceRecord } from "../../src/records.js";
import {
  attestationJson, attestationMessage, evidenceOf, responseHash, serviceCall, type Attestation, type Evidence,
} from "../../src/wire.js";

/** A key of this test run: its `ed25519:` form and what signs with it. */
export interface TestKey {
  key: string;
  secret: KeyObject;
}

export function newKey(): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return { key: formatKey(fromBase64Url(publicKey.export({ format: "jwk" }).x!)), secret: privateKey };
}

function signed(k: TestKey, text: string): string {
  return toBase64Url(sign(null, utf8(text), k.secret));
}

/** A signed service record of the echo kind, with these limits' time limit. */
export function service(owner: TestKey, name: string, timeoutMs = 5000, memoryPages = 256):
    { id: string; record: ServiceRecord } {
  const unsigned: JsonObject = {
    type: "service", name, version: "1.0.0", owner: owner.key, abi: "tandem-v1",
    module: "bafkreiayqv3sxfgkigzwbwn5a5jvkr7uzdxrns7h4soszduxqash4jwe3y", verifier: "builtin:equal",
    limits: { fuel: 1_000_000_000, memoryPages, maxRequestBytes: 1 << 20, maxResponseBytes: 1 << 20, timeoutMs },
    metered: "bafkreiayqv3sxfgkigzwbwn5a5jvkr7uzdxrns7h4soszduxqash4jwe3y", description: "", createdAt: 1,
  };
  const record = { ...unsigned, sig: signed(owner, signingText(unsigned)) } as ServiceRecord;
  return { id: serviceId(record), record };
}

/** A signed server record: `key` at `url`, offering `offers`. */
export function server(key: TestKey, url: string, offers: string[]): ServerRecord {
  const unsigned: JsonObject = { type: "server", key: key.key, url, offers, rewards: [], seq: 1 };
  return { ...unsigned, sig: signed(key, signingText(unsigned)) } as ServerRecord;
}

/** `key`'s attestation that `response` answers `call` of service `id`. */
export function attest(key: TestKey, id: string, requestHash: string, response: JsonObject): Attestation {
  const a: Attestation = { v: 2, server: key.key, service: id, requestHash, responseHash: responseHash(response),
    fuel: 1, sig: "" };
  return { ...a, sig: signed(key, attestationMessage(a)) };
}

/** A conflict over `echo(params)` of service `id`: `honest` signed the echo, `liar` a lie. */
export function conflict(id: string, params: Json, honest: TestKey, liar: TestKey): Evidence {
  const call = serviceCall("echo", params);
  const right = { result: params };
  const wrong = { result: { lie: true } };
  return evidenceOf(id, call, [{ attestation: attest(honest, id, call.requestHash, right), response: right },
    { attestation: attest(liar, id, call.requestHash, wrong), response: wrong }]);
}

/**
 * A network in a `fetch`: one bootstrap node serving `tandem_records`, `tandem_lookup` (unless `knowsLookup` is false,
 * as in an older release) and `tandem_evidence` from lists a test sets,
 * and servers that answer every call with the echo of its params, signed. {@link stall} makes the node's later
 * answers wait until {@link release}, as a node that stops answering would; the node counts what it was asked and how
 * many of its answers were pending at once.
 */
export class FakeNet {
  static readonly BOOT = "http://bootstrap.test";
  records: JsonObject[] = [];
  evidence: unknown[] = [];
  readonly servers = new Map<string, TestKey>();
  knowsLookup = true;
  /** Set: the node does not answer at all (a refused connection). */
  down = false;
  recordsAsked = 0;
  lookupsAsked = 0;
  evidenceAsked = 0;
  mostInFlight = 0;
  private inFlight = 0;
  private stalled?: Promise<void>;
  private releaseStalled?: () => void;

  stall(): void {
    this.stalled = new Promise((ok) => this.releaseStalled = ok);
  }

  release(): void {
    this.releaseStalled?.();
    this.stalled = undefined;
  }

  readonly fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const body = JSON.parse(String(init?.body ?? "{}"));
    if (url.origin === FakeNet.BOOT) return this.node(body);
    const key = this.servers.get(url.origin)!;
    const id = url.pathname.split("/").pop()!;
    const response = { result: body.params ?? null };
    const tandem = attestationJson(attest(key, id, serviceCall(body.method, body.params).requestHash, response));
    return new Response(JSON.stringify({ jsonrpc: "2.0", id: body.id, ...response, tandem }), { status: 200 });
  }) as typeof fetch;

  private async node(body: any): Promise<Response> {
    if (this.down) throw new TypeError("fetch failed: connection refused");
    this.inFlight++;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    try {
      if (body.method === "tandem_status") return this.answer(body, { version: "fake" });
      if (body.method === "tandem_lookup") {
        if (!this.knowsLookup) {
          return new Response(JSON.stringify({ jsonrpc: "2.0", id: body.id,
            error: { code: -32601, message: "method not found: tandem_lookup" } }), { status: 200 });
        }
        this.lookupsAsked++;
        if (this.stalled) await this.stalled;
        return this.answer(body, this.lookup(String(body.params?.service)));
      }
      const records = body.method === "tandem_records";
      if (records) this.recordsAsked++;
      else this.evidenceAsked++;
      if (this.stalled) await this.stalled;
      const all: unknown[] = records ? this.records : this.evidence;
      const cursor: number = body.params?.cursor ?? 0;
      const end = Math.min(all.length, cursor + (body.params?.limit ?? 1000));
      const result = { [records ? "records" : "evidence"]: all.slice(cursor, end), next: Math.max(cursor, end),
        more: end < all.length, log: "fake" };
      return new Response(JSON.stringify({ jsonrpc: "2.0", id: body.id, result }), { status: 200 });
    } finally {
      this.inFlight--;
    }
  }

  private answer(body: any, result: unknown): Response {
    return new Response(JSON.stringify({ jsonrpc: "2.0", id: body.id, result }), { status: 200 });
  }

  /** The services `ref` names (by id or name) and the servers offering the first of them. */
  private lookup(ref: string): JsonObject {
    const services = this.records.filter((r) => r.type === "service"
      && (serviceId(r as unknown as ServiceRecord) === ref || r.name === ref));
    const id = services.length ? serviceId(services[0] as unknown as ServiceRecord) : undefined;
    const servers = this.records.filter((r) => r.type === "server" && (r.offers as string[]).includes(id!));
    return { services, servers, more: false };
  }
}

export const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
