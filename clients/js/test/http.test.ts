import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AnswerTooLargeError, downloadDeadline, downloadTimeMs, readBody, readText } from "../src/http.js";
import { maxAnswerBytes } from "../src/records.js";

/** A local server answering every request with `answer`; resolves `hungUp` once a client drops a connection. */
async function serve(answer: (res: ServerResponse) => void) {
  let hangUps = 0;
  const server = createServer((req, res) => {
    res.on("close", () => { if (!res.writableFinished) hangUps++; });
    answer(res);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    hangUps: () => hangUps,
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

/** Writes 64 KiB chunks for as long as the client reads (a hostile server's endless answer, of no declared length). */
function endless(res: ServerResponse) {
  res.writeHead(200, { "Content-Type": "application/json" });
  const chunk = Buffer.alloc(64 << 10, 0x20);
  const more = () => { while (!res.destroyed && res.write(chunk)); };
  res.on("drain", more);
  more();
}

test("an answer of no declared length is read up to the limit, then cancelled and hung up on", async () => {
  const s = await serve(endless);
  try {
    const res = await fetch(s.url);
    await assert.rejects(readBody(res, 1 << 20), (e) => e instanceof AnswerTooLargeError && e.max === 1 << 20);
    for (let i = 0; i < 100 && s.hangUps() === 0; i++) await new Promise((ok) => setTimeout(ok, 20));
    assert.equal(s.hangUps(), 1);
  } finally {
    await s.close();
  }
});

test("an answer that declares more than the limit is refused unread", async () => {
  const s = await serve((res) => {
    res.writeHead(200, { "Content-Length": String(10 << 20) });
    res.write(Buffer.alloc(1024));
  });
  try {
    await assert.rejects(readText(await fetch(s.url), 4096), /larger than 4096 bytes/);
  } finally {
    await s.close();
  }
});

test("answers within the limit are read whole, with or without a declared length", async () => {
  const text = JSON.stringify({ jsonrpc: "2.0", id: 1, result: "é".repeat(1000) });
  const chunked = await serve((res) => { res.write(text.slice(0, 100)); res.end(text.slice(100)); });
  const fixed = await serve((res) => res.end(text));
  try {
    assert.equal(await readText(await fetch(chunked.url), 4096), text);
    assert.equal(await readText(await fetch(fixed.url), 4096), text);
    const bytes = Buffer.byteLength(text);
    assert.equal((await readBody(await fetch(chunked.url), bytes)).length, bytes);
    await assert.rejects(readBody(await fetch(chunked.url), bytes - 1), AnswerTooLargeError);
  } finally {
    await chunked.close();
    await fixed.close();
  }
});

test("limits: the longest honest answer, and a download's time", () => {
  const limits = { fuel: 1, memoryPages: 1, maxRequestBytes: 16, maxResponseBytes: 1 << 20, timeoutMs: 1000 };
  assert.equal(maxAnswerBytes(limits), Math.floor((1 << 20) * 21 / 4) + 65536); // the Java client's ServiceLimits
  assert.equal(downloadTimeMs(5000, 16 << 20), 69_000);
  assert.equal(downloadTimeMs(5000, 0), 5000);
});

test("a download must begin within its timeout; its body then gets the download time", async () => {
  const silent = await serve(() => { /* never answers */ });
  const slow = await serve((res) => {
    res.writeHead(200, { "Content-Length": "10" });
    let sent = 0;
    const tick = setInterval(() => { res.write("x"); if (++sent === 10) { clearInterval(tick); res.end(); } }, 60);
  });
  try {
    const start = Date.now();
    const never = downloadDeadline(300, 16 << 20); // 64 s of download time, but the answer must begin in 0.3 s
    await assert.rejects(fetch(silent.url, { signal: never.signal }), (e: Error) => e.name === "TimeoutError");
    assert.ok(Date.now() - start < 3000, `gave up after ${Date.now() - start} ms`);
    const d = downloadDeadline(300, 1 << 20); // the body takes 0.6 s: longer than the timeout, within the time
    const res = await fetch(slow.url, { signal: d.signal });
    d.begun();
    assert.equal((await readBody(res, 100)).length, 10);
  } finally {
    await silent.close();
    await slow.close();
  }
});
