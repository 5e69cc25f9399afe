import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { TandemClient, UnverifiableError } from "../src/index.js";
import { TestNetwork } from "./support/network.js";

/**
 * The client against real nodes (separate JVMs started from the built CLI), one of them a liar
 * (`--unsafe-fault lie`): every call returns the honest result, and the liar is convicted by the client's own
 * re-run of the metered module, fetched by the CID in the record, with the evidence accepted by the nodes.
 */
const net = new TestNetwork();

before(async () => {
  await net.start([null, null, "lie"]);
  await net.offerEcho();
}, { timeout: 180_000 });

after(() => net.stop());

test("only honest results, and the liar is convicted", { timeout: 120_000 }, async () => {
  const client = await TandemClient.connect({ bootstrap: [net.urls[0]] });
  const liar = (await (await fetch(`${net.urls[2]}/rpc`, { method: "POST", body: JSON.stringify(
    { jsonrpc: "2.0", id: 1, method: "tandem_status", params: {} }) })).json()).result.key as string;
  const convicted = new Set<string>();
  for (let i = 0; i < 8 && !convicted.has(liar); i++) {
    const { result, report } = await client.call("echo", "echo", { hello: "tandem", n: i });
    assert.deepEqual(result, { hello: "tandem", n: i }, JSON.stringify(report));
    report.convicted.forEach((k) => convicted.add(k));
    // The browser-side engine counts the very fuel the honest nodes signed: same metered bytes, same budget.
    if (report.rerun) {
      const honest = report.answers.filter((a) => a.kind === "vote" && a.responseHash === report.rerun!.responseHash);
      assert.ok(honest.length > 0);
      for (const a of honest) assert.equal(a.fuel, report.rerun.fuel, "fuel of " + a.url);
    }
    if (report.convicted.length) {
      assert.equal(report.decision, "referee");
      assert.ok(report.evidence[0].sentTo.some((s) => s.status === "convicted" || s.status === "known"),
        JSON.stringify(report.evidence));
    }
  }
  assert.deepEqual([...convicted], [liar]);
  assert.ok(client.scores.blacklisted(liar));
  // The liar is blacklisted here: later calls never ask it.
  const { report } = await client.call(net.serviceId, "echo", { again: true });
  assert.ok(report.answers.every((a) => a.server !== liar));
});

test("without a local referee and with a liar's answer, the home server decides (never the liar)", { timeout: 60_000 },
  async () => {
    const client = await TandemClient.connect({ bootstrap: [net.urls[1]], referee: "home" });
    for (let i = 0; i < 4; i++) {
      try {
        const { result } = await client.call("echo", "echo", { home: i });
        assert.deepEqual(result, { home: i });
      } catch (e) {
        assert.ok(e instanceof UnverifiableError, String(e));
      }
    }
  });
