import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROBATION, PROVEN_SCORE, Scores, TandemClient, type StoredScores } from "../src/index.js";
import { fileScoreStore } from "../src/node.js";

/** A store that counts its writes and keeps the last one. */
function counting() {
  const store = { writes: 0, last: undefined as StoredScores | undefined,
    load: () => undefined, save: (s: StoredScores) => {
      store.writes++;
      store.last = structuredClone(s);
    } };
  return store;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Spot-check mode asks a server alone only once it is established (off probation) with a score of 60 or more. */
test("proven: established and a score of at least 60, never while on probation or blacklisted", () => {
  const scores = new Scores();
  const k = "ed25519:server";
  for (let i = 0; i < 20; i++) scores.record(k, "success");
  assert.ok(scores.get(k).score >= PROVEN_SCORE);
  assert.ok(!scores.proven(k), "a high score on probation is not proven");
  for (let i = 0; i < PROBATION; i++) scores.confirm(k);
  assert.ok(scores.proven(k));
  scores.record(k, "invalid"); // 70 → 60: still proven
  assert.ok(scores.proven(k));
  scores.record(k, "error"); // 57
  assert.ok(!scores.proven(k), "a score below 60 is not proven");
  for (let i = 0; i < 20; i++) scores.record(k, "success");
  assert.ok(scores.proven(k));
  scores.convict(k);
  assert.ok(!scores.proven(k) && scores.blacklisted(k));
  const fresh = "ed25519:new";
  for (let i = 0; i < PROBATION; i++) scores.confirm(fresh);
  assert.ok(!scores.proven(fresh), "established at the starting score of 50 is not proven");
});

/** Score moves are written in one batch after the flush delay, a conviction at once, and flush() writes the rest. */
test("scores are written in batches: one write for many answers, a conviction at once", async () => {
  const store = counting();
  const scores = new Scores(store, Date.now, 50);
  for (let i = 0; i < 100; i++) scores.record("ed25519:a", "success", 5);
  scores.confirm("ed25519:a");
  assert.equal(store.writes, 0, "nothing written yet");
  await sleep(120);
  assert.equal(store.writes, 1, "one write for 101 changes");
  assert.equal(store.last!.servers["ed25519:a"].confirmations, 1);
  scores.record("ed25519:b", "success");
  scores.convict("ed25519:c");
  assert.equal(store.writes, 2, "a conviction is written at once, with what was pending");
  assert.ok(store.last!.servers["ed25519:c"].convictedAt! > 0 && store.last!.servers["ed25519:b"]);
  await sleep(120);
  assert.equal(store.writes, 2, "nothing pending after the conviction's write");
  scores.record("ed25519:b", "error");
  scores.flush();
  assert.equal(store.writes, 3);
  await sleep(120);
  assert.equal(store.writes, 3, "flush() cancels the pending timer");
});

/** A file store: what close() flushes is what a new client loads. */
test("a file store keeps the scores a client flushes, and loads them back", () => {
  const file = join(mkdtempSync(join(tmpdir(), "tandem-scores-")), "scores.json");
  const scores = new Scores(fileScoreStore(file));
  scores.record("ed25519:a", "success", 3);
  scores.flush();
  assert.equal(JSON.parse(readFileSync(file, "utf8")).servers["ed25519:a"].score, 51);
  assert.equal(new Scores(fileScoreStore(file)).get("ed25519:a").score, 51);
});

test("spotCheck and audit rates out of range are refused before any request", async () => {
  for (const spotCheck of [0, -0.1, 1.5, Number.NaN]) {
    await assert.rejects(TandemClient.connect({ bootstrap: ["http://127.0.0.1:9"], spotCheck }),
      /spotCheck rate must be in \(0, 1\]/);
  }
  for (const audit of [-0.01, 2, Number.NaN]) {
    await assert.rejects(TandemClient.connect({ bootstrap: ["http://127.0.0.1:9"], audit }), /audit rate must be in \[0, 1\]/);
  }
});

/** Anyone can make keys: weighing or checking a server never adds it to the table that is stored. */
test("reads never add a server to the table; a store that cannot save does not undo a conviction", () => {
  const scores = new Scores();
  for (let i = 0; i < 1000; i++) {
    const k = `ed25519:sybil${i}`;
    scores.weight(k);
    scores.established(k);
    scores.proven(k);
    scores.blacklisted(k);
  }
  assert.deepEqual(Object.keys(scores.snapshot()), []);

  let saves = 0;
  const full = new Scores({ load: () => undefined, save: () => { saves++; throw new Error("QuotaExceededError"); } });
  full.convict("ed25519:liar"); // written at once, and the store throws
  assert.ok(full.blacklisted("ed25519:liar"));
  assert.equal(saves, 1);
  full.flush(); // still pending: written again
  assert.equal(saves, 2);
});
