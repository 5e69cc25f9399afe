import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { WebSocket, WebSocketServer } from "ws";
import { AnswerTooLargeError } from "../src/http.js";
import { fetchPost, SocketPost, type WebSocketClass } from "../src/sockets.js";

/**
 * Calls over WebSockets against servers that misbehave: the first call to a server goes by fetch while its socket
 * opens; an answer over the bound, a binary one or one nobody asked for sends that server's calls by fetch (whose
 * reads stop at the bound); a socket closed under a call sends the call again by fetch; a call out of time closes
 * its socket; a server without WebSockets is called by fetch.
 */
let server: Server;
let wss: WebSocketServer;
let base = "";
let plain: Server;
let plainBase = "";
const closedByClient: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "Content-Type": "application/json" }).end('{"via":"fetch"}'));
  });
  wss = new WebSocketServer({ server });
  wss.on("connection", (ws, req) => {
    const path = req.url ?? "";
    ws.on("close", (code) => closedByClient.push(`${path} ${code}`));
    ws.on("message", (m) => {
      if (path.endsWith("/good")) ws.send(`{"via":"socket","echo":${m}}`);
      else if (path.endsWith("/big")) ws.send(`"${"é".repeat(600)}"`); // 1,202 bytes in UTF-8, 602 characters
      else if (path.endsWith("/binary")) ws.send(Buffer.from("{}"));
      else if (path.endsWith("/twice")) ws.send("{}"), ws.send("{}");
      else if (path.endsWith("/close")) ws.terminate();
      // "/slow" never answers
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  plain = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200).end('{"via":"fetch"}'));
  });
  await new Promise<void>((ok) => plain.listen(0, "127.0.0.1", ok));
  plainBase = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
});

after(() => {
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  for (const s of [server, plain]) {
    s.close();
    s.closeAllConnections();
  }
});

const sockets = () => new SocketPost(WebSocket as unknown as WebSocketClass, fetchPost(fetch));

/** Waits until a socket to `service` is open and idle (opened by a call that went by fetch). */
async function opened(post: SocketPost, service: string, origin = base): Promise<void> {
  for (let i = 0; i < 500 && post.idle(origin, service) === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(post.idle(origin, service) > 0, `a socket to ${service} opened`);
}
const timeout = () => AbortSignal.timeout(5_000);

/** Calls until one goes by socket (the first goes by fetch while the socket opens); returns how many went by fetch. */
async function untilSocket(post: SocketPost, origin: string, service: string): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const answer = await post.post(origin, service, `{"n":${i}}`, 1000, timeout());
    if (answer.via === "socket") return i;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("no call went by socket");
}

test("the first call goes by fetch while the socket opens; later ones are messages on it", async () => {
  const post = sockets();
  const first = await post.post(base, "good", '{"n":1}', 1000, timeout());
  assert.deepEqual([first.via, first.text], ["fetch", '{"via":"fetch"}']);
  assert.ok((await untilSocket(post, base, "good")) >= 0);
  const answer = await post.post(base, "good", '{"n":7}', 1000, timeout());
  assert.deepEqual([answer.via, JSON.parse(answer.text)], ["socket", { via: "socket", echo: { n: 7 } }]);
  post.close();
});

test("an answer over the bound is refused once it arrives, and the server is then called by fetch", async () => {
  const post = sockets();
  await post.post(base, "big", "{}", 1000, timeout()); // by fetch, opening the socket
  await opened(post, "big");
  await assert.rejects(post.post(base, "big", "{}", 1000, timeout()), AnswerTooLargeError);
  // Every service of that server, by fetch (whose reads stop at the bound) from now on.
  assert.equal((await post.post(base, "good", "{}", 1000, timeout())).via, "fetch");
  await new Promise((r) => setTimeout(r, 200));
  assert.equal((await post.post(base, "good", "{}", 1000, timeout())).via, "fetch");
  assert.equal(post.idle(base, "good"), 0, "no socket was opened to it");
  // 1,202 bytes were over 1,000 though the text is 602 characters: the bound is in UTF-8 bytes.
  const wide = sockets();
  await wide.post(base, "big", "{}", 1300, timeout());
  await opened(wide, "big");
  assert.equal((await wide.post(base, "big", "{}", 1300, timeout())).via, "socket");
  post.close();
  wide.close();
});

test("a binary answer, or an answer nobody asked for, is refused and the server called by fetch", async () => {
  for (const service of ["binary", "twice"]) {
    const post = sockets();
    await post.post(base, service, "{}", 1000, timeout());
    await opened(post, service);
    if (service === "binary") {
      await assert.rejects(post.post(base, service, "{}", 1000, timeout()), /binary/);
    } else {
      await post.post(base, service, "{}", 1000, timeout()); // the first of two answers is taken
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await post.post(base, "good", "{}", 1000, timeout())).via, "fetch", service);
    post.close();
  }
});

test("a socket closed under a call sends that call again by fetch", async () => {
  const post = sockets();
  await post.post(base, "close", "{}", 1000, timeout());
  await opened(post, "close");
  const answer = await post.post(base, "close", "{}", 1000, timeout());
  assert.deepEqual([answer.via, answer.text], ["fetch", '{"via":"fetch"}']);
  post.close();
});

test("a call out of time fails as a timeout and closes its socket (a late answer must not meet the next call)", async () => {
  const post = sockets();
  await post.post(base, "slow", "{}", 1000, timeout());
  await opened(post, "slow");
  await assert.rejects(post.post(base, "slow", "{}", 1000, AbortSignal.timeout(300)), { name: "TimeoutError" });
  const closed = () => closedByClient.some((c) => c.startsWith("/services/slow"));
  for (let i = 0; i < 500 && !closed(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(closed(), JSON.stringify(closedByClient));
  post.close();
});

test("close() closes busy sockets too: the call on one is sent again by fetch", async () => {
  const post = sockets();
  await post.post(base, "slow", "{}", 1000, timeout());
  await opened(post, "slow");
  const pending = post.post(base, "slow", "{}", 1000, timeout()); // on the socket, never answered there
  await new Promise((r) => setTimeout(r, 100));
  post.close();
  assert.deepEqual(await pending, { ok: true, status: 200, text: '{"via":"fetch"}', via: "fetch" });
});

test("a server that does not upgrade is called by fetch", async () => {
  const post = sockets();
  for (let i = 0; i < 5; i++) {
    assert.equal((await post.post(plainBase, "good", "{}", 1000, timeout())).via, "fetch");
    await new Promise((r) => setTimeout(r, 50));
  }
  post.close();
});
