// The "try it" page: the TypeScript client (the bundle beside this file, built from clients/js) calls a service
// from this browser and shows every step: the servers asked, their signed answers, the verdict, the re-run and
// convictions. Scores and convictions stay in this browser's localStorage; ?feed=off skips the nodes' evidence feeds,
// ?spotCheck=0.1 starts in spot-check mode (one proven server per call, one call in ten checked against another).
import { TandemClient, localStorageStore } from "/try/tandem-client.js";

const $ = (id) => document.getElementById(id);
const short = (s) => (s ? (s.startsWith("ed25519:") ? s.slice(8, 16) : s.slice(0, 12)) + "…" : "—");
const params = new URLSearchParams(location.search);
let client;
let n = 0;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function status(text, bad) {
  $("status").textContent = text;
  $("status").className = bad ? "status bad" : "status";
}

function showConvicted() {
  const list = $("convicted");
  list.replaceChildren();
  const scores = client.scores.snapshot();
  for (const [key, s] of Object.entries(scores)) {
    if (!client.scores.blacklisted(key)) continue;
    const server = client.directory.servers.get(key);
    const li = el("li");
    li.dataset.key = key;
    li.append(el("code", key), ` at ${server ? server.url : "?"}, convicted ${new Date(s.convictedAt).toLocaleTimeString()}`);
    list.append(li);
  }
  $("convicted-empty").hidden = list.children.length > 0;
  const f = client.feed.stats;
  $("feed").textContent = params.get("feed") === "off" ? "(evidence feeds not read)"
    : `(evidence feeds: ${f.read} items read, ${f.judged} re-run here, ${f.convictions} convictions, ${f.invalid} refused)`;
}

function showCall(label, outcome, error) {
  const report = outcome?.report ?? error?.report;
  const box = el("div", undefined, "call");
  box.dataset.n = String(n++);
  const title = el("h3", label);
  box.append(title);
  if (outcome) {
    box.dataset.result = JSON.stringify(outcome.result);
    box.append(el("div", `result ${JSON.stringify(outcome.result)}`));
  } else {
    box.dataset.error = String(error?.message ?? error);
    box.append(el("div", `${error?.name ?? "Error"}: ${error?.message ?? error}`, "bad"));
  }
  if (report) {
    box.dataset.decision = report.decision ?? "";
    box.dataset.convicted = report.convicted.join(" ");
    box.dataset.check = report.check ?? "";
    const how = report.decision === "referee"
      ? `settled by re-running it here (fuel ${report.rerun?.fuel})` : report.decision === "home"
        ? "settled by the service's home server" : report.decision === "spot-check"
          ? "spot-checked: a proven server and another operator agree" : report.decision === "unchecked"
            ? "not checked: one proven server's signed answer (spot-check mode)" : "accepted by the verifier";
    box.append(el("div", `verifier ${report.verifier}: verdict ${report.verdict ?? "—"}, ${how}; ${report.ms} ms`));
    const table = el("table");
    const head = el("tr");
    for (const h of ["server", "url", "answer", "response hash", "fuel", "signature", "ms", "via"]) head.append(el("th", h));
    table.append(head);
    for (const a of report.answers) {
      const row = el("tr", undefined, a.kind !== "vote" ? "" : a.responseHash === report.accepted ? "right" : "wrong");
      row.dataset.server = a.server ?? "";
      row.dataset.kind = a.kind;
      row.append(el("td", short(a.server)), el("td", a.url + (a.home ? " (home)" : "")), el("td", `${a.kind}: ${a.detail}`),
        el("td", short(a.responseHash)), el("td", a.fuel ?? ""), el("td", short(a.attestation?.sig)), el("td", a.ms),
        el("td", a.via ?? ""));
      row.children[5].title = a.attestation ? JSON.stringify(a.attestation) : "";
      table.append(row);
    }
    box.append(table);
    for (const key of report.convicted) {
      box.classList.add("convicting");
      box.append(el("div", `convicted ${key}: it signed an answer the re-run here does not give`, "bad"));
    }
    for (const e of report.evidence) {
      box.append(el("div", `evidence ${short(e.id)} sent: ${e.sentTo.map((s) => `${s.url} ${s.status}`).join(", ")}`, "muted"));
    }
    for (const note of report.notes) box.append(el("div", note, "muted"));
  }
  $("calls").prepend(box);
}

async function callOnce() {
  let body;
  try {
    body = $("params").value.trim() === "" ? undefined : JSON.parse($("params").value);
  } catch (e) {
    status(`params are not JSON: ${e.message}`, true);
    return;
  }
  const service = $("service").value;
  const method = $("method").value;
  try {
    showCall(`${service} ${method}`, await client.call(service, method, body));
    status("ready");
  } catch (e) {
    showCall(`${service} ${method}`, undefined, e);
    status(e.message, true);
  }
  showConvicted();
}

async function start() {
  const asked = Number(params.get("spotCheck") ?? "1");
  const rate = asked > 0 && asked <= 1 ? asked : 1;
  const mode = $("mode");
  if (![...mode.options].some((o) => Number(o.value) === rate)) {
    const o = el("option", `spot check, rate ${rate}`);
    o.value = String(rate);
    mode.append(o);
  }
  mode.value = [...mode.options].find((o) => Number(o.value) === rate).value;
  mode.addEventListener("change", () => { // the mode is the client's: start it again with the new one
    params.set("spotCheck", mode.value);
    location.search = params.toString();
  });
  client = await TandemClient.connect({ bootstrap: [location.origin], scoreStore: localStorageStore(),
    evidenceFeed: params.get("feed") !== "off", spotCheck: Number(mode.value) });
  // The client copies no registry (anyone can make it huge): the page looks up the services this node offers.
  const res = await fetch("/rpc", { method: "POST", headers: { "Content-Type": "text/plain;charset=UTF-8" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tandem_status", params: {} }) });
  const node = (await res.json()).result ?? {};
  const offers = (Array.isArray(node.offers) ? node.offers : []).slice(0, 50);
  await Promise.all(offers.map((id) => client.directory.lookup([location.origin], id)));
  const select = $("service");
  for (const [id, record] of client.directory.services) {
    const o = el("option", `${record.name} (${short(id)}, ${client.directory.offering(id).length} servers)`);
    o.value = id;
    o.selected = record.name === (params.get("service") ?? "echo");
    select.append(o);
  }
  $("once").disabled = $("ten").disabled = false;
  $("call").addEventListener("submit", (e) => {
    e.preventDefault();
    callOnce();
  });
  $("ten").addEventListener("click", async () => {
    for (let i = 0; i < 10; i++) await callOnce();
  });
  showConvicted();
  const registry = node.registry ? ` (of ${node.registry.services} in its registry)` : "";
  status(`ready: ${client.directory.services.size} services offered here${registry}, looked up with their `
    + `${client.directory.servers.size} servers, every record checked here`);
  document.body.dataset.ready = "true";
}

start().catch((e) => {
  status(`cannot start: ${e.message}`, true);
  document.body.dataset.ready = "error";
});
