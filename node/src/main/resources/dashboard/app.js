// The node dashboard: draws the picture of the design notes live.
//
// Two views, one click apart (the links in the header): the network (#network, the default), from /network.json,
// where this node joins what every server publishes about itself: the calls each served, the conflicts and
// convictions each learned of; and this node alone (#node), from /dashboard.json. Scores and the "convicted" mark are
// always this node's own judgement.
//
// Left, the ServiceRegistry (each service: name, ABI, short module CID); middle, the ServerRegistry (each server:
// URL and score as this node sees it), with green "offers" edges from a server to the services it runs and orange
// "rewards" edges from a service to the servers that want it run; right, the cloud: every server with the services
// it runs. Servers keep their letter order (so a server's row lines up with its row in the cloud); services are
// ordered so that the edges of the first servers do not cross. The graph is laid out again only when its elements
// change, so a refresh that only changes scores or counters does not move anything.
'use strict';

(function () {
  const POLL_MS = 1000;
  const ACTIVE_MS = 2000;
  const COLORS = {
    offer: '#1f883d',
    reward: '#e8890c',
    convicted: '#cf222e',
    self: '#0969da',
    ink: '#1f2328',
    muted: '#59636e',
  };
  // A red cross drawn over convicted servers.
  const CROSS = 'data:image/svg+xml;utf8,' + encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100" '
    + 'preserveAspectRatio="none">'
    + '<path d="M0 0L100 100M100 0L0 100" stroke="#cf222e" stroke-width="1.5" stroke-opacity="0.6" '
    + 'vector-effect="non-scaling-stroke"/></svg>');

  const cy = cytoscape({
    container: document.getElementById('graph'),
    wheelSensitivity: 0.2,
    minZoom: 0.2,
    maxZoom: 2.5,
    boxSelectionEnabled: false,
    autoungrabify: true,
    style: [
      { selector: 'node', style: {
        'font-family': 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif',
        'font-size': 15, color: COLORS.ink, label: 'data(label)', 'text-wrap': 'wrap',
        'text-valign': 'center', 'text-halign': 'center', shape: 'round-rectangle',
        'background-color': '#ffffff', 'border-width': 1, 'border-color': '#8c959f',
        width: 'label', height: 'label', padding: 10 } },
      { selector: ':parent', style: {
        'text-valign': 'top', 'text-halign': 'center', 'text-margin-y': -4, 'font-weight': 600,
        'font-size': 16, padding: 14, 'background-color': '#ddf4ff', 'background-opacity': 1,
        'border-color': '#9cd1f5', 'border-width': 1, shape: 'round-rectangle' } },
      { selector: 'node.cluster', style: { 'font-size': 18, color: '#0a3069', padding: 18 } },
      { selector: 'node.cluster.cloud', style: { 'background-color': '#eef1f4', 'border-color': '#c8d1da' } },
      { selector: 'node.service', style: { 'text-max-width': 240 } },
      { selector: 'node.server', style: { 'text-max-width': 260, 'text-justification': 'left' } },
      { selector: 'node.host', style: {
        'background-color': '#ffffff', 'border-color': '#8c959f', 'font-size': 15, padding: 8,
        'text-valign': 'top', 'text-margin-y': -3 } },
      { selector: 'node.host:childless', style: { 'text-valign': 'center', 'text-margin-y': 0, padding: 10 } },
      { selector: 'node.instance', style: {
        'background-color': '#f6f8fa', 'border-color': '#afb8c1', 'font-size': 14, padding: 6 } },
      { selector: 'node.instance.pending', style: { 'border-style': 'dashed', color: COLORS.muted } },
      { selector: 'node.instance.active', style: {
        'background-color': '#dafbe1', 'border-color': COLORS.offer, 'border-width': 2 } },
      { selector: 'node.self', style: { 'border-color': COLORS.self, 'border-width': 3 } },
      { selector: 'node.convicted', style: {
        'background-color': '#ffebe9', 'border-color': COLORS.convicted, 'border-width': 3,
        color: '#82071e', 'background-image': CROSS, 'background-width': '100%', 'background-height': '100%',
        'background-position-x': '0%', 'background-position-y': '0%', 'background-clip': 'node' } },
      { selector: 'node.host.convicted', style: { 'background-image': 'none' } },
      { selector: 'edge', style: {
        width: 2, 'curve-style': 'bezier', 'control-point-step-size': 28, 'target-arrow-shape': 'triangle',
        'arrow-scale': 0.9, opacity: 0.9 } },
      { selector: 'edge.offer', style: { 'line-color': COLORS.offer, 'target-arrow-color': COLORS.offer } },
      { selector: 'edge.reward', style: {
        'line-color': COLORS.reward, 'target-arrow-color': COLORS.reward, 'line-style': 'solid' } },
      { selector: 'edge.from-convicted', style: { 'line-style': 'dashed', opacity: 0.45 } },
    ],
  });
  window.cy = cy; // for tests and for poking at the model from the browser console
  window.tandemDashboard = { serviceOrder: (d) => serviceOrder(d) };

  let shape = '';
  let urls = new Map(); // server key -> URL, for opening a server's own view

  /** 'network' or 'node', from the address's fragment. */
  function view() {
    return location.hash === '#node' ? 'node' : 'network';
  }

  // A click on a server opens that node's own dashboard (its view of itself).
  cy.on('tap', 'node.server, node.host', (e) => {
    const url = urls.get(e.target.id().replace(/^(srv|host):/, ''));
    if (url) location.href = url + '/#node';
  });

  function serviceLabel(s) {
    return s.name + '\n' + s.abi + ' · ' + s.moduleShort;
  }

  function scoreText(server) {
    if (server.convicted) return 'score 0 · CONVICTED';
    return server.score == null ? 'score —' : 'score ' + server.score;
  }

  function serverLabel(server, served) {
    const name = (server.convicted ? '✗ ' : '') + server.label;
    return name + '\n' + server.url + '\n' + (server.self ? 'this node' : scoreText(server))
      + (served == null ? '' : ' · ' + served.toLocaleString() + ' calls');
  }

  /**
   * The services in the order that draws the fewest crossings among the edges of the first servers: crossings among
   * servers A and B count before those that C adds, and so on, so the picture of the first servers stays clean and
   * a server that offers everything crosses only what it must. Every order is tried up to 7 services; past that,
   * services sit at the mean row of the servers they are linked to.
   */
  function serviceOrder(d) {
    const ids = d.services.map((s) => s.id);
    const edges = [];
    d.servers.forEach((srv, row) => {
      srv.offers.concat(srv.rewards).forEach((id) => { if (ids.includes(id)) edges.push([row, id]); });
    });
    const byName = (a, b) => ids.indexOf(a) - ids.indexOf(b);
    if (ids.length > 7) {
      const mean = (id) => {
        const rows = edges.filter((e) => e[1] === id).map((e) => e[0]);
        return rows.length ? rows.reduce((x, y) => x + y, 0) / rows.length : Infinity;
      };
      return [...ids].sort((a, b) => mean(a) - mean(b) || byName(a, b));
    }
    const cost = (order) => {
      const at = new Map(order.map((id, i) => [id, i]));
      const levels = new Array(d.servers.length).fill(0);
      for (let i = 0; i < edges.length; i++) {
        for (let j = i + 1; j < edges.length; j++) {
          const [r1, s1] = edges[i];
          const [r2, s2] = edges[j];
          if ((r1 - r2) * (at.get(s1) - at.get(s2)) < 0) levels[Math.max(r1, r2)]++;
        }
      }
      return levels;
    };
    const better = (a, b) => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
      return false;
    };
    let best = ids;
    let bestCost = cost(ids);
    const permute = (prefix, rest) => {
      if (rest.length === 0) {
        const c = cost(prefix);
        if (better(c, bestCost)) {
          best = prefix;
          bestCost = c;
        }
        return;
      }
      rest.forEach((id, i) => permute(prefix.concat([id]), rest.slice(0, i).concat(rest.slice(i + 1))));
    };
    permute([], ids);
    return best;
  }

  /** Elements for one snapshot; ids are stable so that a refresh can tell what changed. */
  function elements(d) {
    const now = d.generatedAt;
    const network = d.view === 'network';
    const services = new Map(d.services.map((s) => [s.id, s]));
    // server key -> the services it served a call of in the last moments (this node alone: only itself)
    const selfKey = d.self.key;
    const recentlyServed = (key, id) => d.calls.some((c) => (c.server || selfKey) === key && c.service === id
      && now - c.at < ACTIVE_MS);
    const callCounts = (key) => (network ? (d.recentCallsByServer || {})[key]
      : key === selfKey ? d.recentCallsByService : null) || null;
    const served = new Map((d.nodes || []).map((n) => [n.key, n.totalCalls]));
    const labels = new Map(d.servers.map((s) => [s.key, s.label]));
    const held = (d.reciprocity && d.reciprocity.offers && d.reciprocity.offers.reciprocity) || [];
    const heldFor = new Map(held.map((h) => [h.service, h.for]));
    const els = [];
    els.push({ group: 'nodes', data: { id: 'services', label: 'ServiceRegistry' }, classes: 'cluster' });
    els.push({ group: 'nodes', data: { id: 'servers', label: 'ServerRegistry' }, classes: 'cluster' });
    els.push({ group: 'nodes', data: { id: 'cloud', label: 'cloud' }, classes: 'cluster cloud' });
    serviceOrder(d).forEach((id, i) => {
      const s = services.get(id);
      els.push({ group: 'nodes', data: { id: 'svc:' + s.id, parent: 'services', label: serviceLabel(s),
        row: i, col: 0 }, classes: 'service' });
    });
    d.servers.forEach((srv, i) => {
      const cls = (srv.self ? ' self' : '') + (srv.convicted ? ' convicted' : '');
      els.push({ group: 'nodes', data: { id: 'srv:' + srv.key, parent: 'servers',
        label: serverLabel(srv, network ? served.get(srv.key) : null), row: i, col: 0 }, classes: 'server' + cls });
      const host = { group: 'nodes', data: { id: 'host:' + srv.key, parent: 'cloud',
        label: (srv.convicted ? '✗ ' : '') + srv.label }, classes: 'host' + cls };
      els.push(host);
      // What a server runs: its published offers; for this node also what it is still fetching.
      const running = srv.offers.filter((id) => services.has(id)).map((id) => ({ id, pending: false }));
      if (srv.self) {
        Object.entries(d.hosting).forEach(([id, state]) => {
          if (state !== 'ready' && services.has(id)) running.push({ id, pending: true });
        });
      }
      running.sort((a, b) => services.get(a.id).name.localeCompare(services.get(b.id).name));
      running.forEach((r, j) => {
        const s = services.get(r.id);
        let label = s.name;
        let cls = 'instance' + (srv.convicted ? ' convicted' : '');
        if (r.pending) {
          label += '\n(' + d.hosting[r.id].split(':')[0] + ')';
          cls += ' pending';
        } else {
          // How often each ran it lately (in the network view, as each server reports it); for this node also for
          // whom it runs it (reciprocity).
          const notes = [];
          const forPeer = srv.self ? heldFor.get(r.id) : null;
          if (forPeer) notes.push('for ' + (labels.get(forPeer) || 'a peer').replace('Server ', ''));
          const counts = callCounts(srv.key);
          const n = (counts && counts[r.id]) || 0;
          if (n > 0) notes.push(n + ' call' + (n === 1 ? '' : 's'));
          if (notes.length) label += '\n' + notes.join(' · ');
          if (recentlyServed(srv.key, r.id)) cls += ' active';
        }
        els.push({ group: 'nodes', data: { id: 'run:' + srv.key + ':' + r.id, parent: 'host:' + srv.key,
          label, row: i, col: j }, classes: cls });
      });
      if (running.length === 0) {
        // A server that runs nothing is itself the grid cell.
        host.data.row = i;
        host.data.col = 0;
      }
      srv.offers.filter((id) => services.has(id)).forEach((id) => {
        els.push({ group: 'edges', data: { id: 'offer:' + srv.key + ':' + id, source: 'srv:' + srv.key,
          target: 'svc:' + id }, classes: 'offer' + (srv.convicted ? ' from-convicted' : '') });
      });
      srv.rewards.filter((id) => services.has(id)).forEach((id) => {
        els.push({ group: 'edges', data: { id: 'reward:' + id + ':' + srv.key, source: 'svc:' + id,
          target: 'srv:' + srv.key }, classes: 'reward' + (srv.convicted ? ' from-convicted' : '') });
      });
    });
    return els;
  }

  /**
   * Places every node itself, in three columns: services spread evenly over the height, servers one to a row, and
   * in the cloud each server's services stacked in its row (so the cloud column stays narrow and a server's row lines
   * up with its row in the ServerRegistry). The gaps between the columns widen with the panel, so the picture fills
   * it at any width instead of shrinking its text.
   */
  function layout(d) {
    const rows = Math.max(1, d.servers.length);
    const size = (sel) => {
      const nodes = cy.nodes(sel);
      return { nodes, w: Math.max(40, ...nodes.map((n) => n.outerWidth())),
        h: Math.max(30, ...nodes.map((n) => n.outerHeight())) };
    };
    const services = size('.service');
    const servers = size('.server');
    const instances = size('.instance, .host:childless');
    const stack = Math.max(1, ...d.servers.map((srv) => cy.nodes('.instance').filter((n) => n.parent().id()
      === 'host:' + srv.key).length));
    const instanceStep = instances.h + 10;
    const rowHeight = Math.max(servers.h + 40, stack * instanceStep + 56, services.h * d.services.length / rows + 30);
    const height = rows * rowHeight;
    // Widen the gaps until the picture has the panel's shape (within reason).
    const fixed = services.w + servers.w + instances.w + 120;
    const spare = Math.max(0, height * cy.width() / Math.max(1, cy.height()) - fixed);
    const gap1 = Math.min(420, Math.max(150, 0.65 * spare));
    const gap2 = Math.min(260, Math.max(80, 0.35 * spare));
    const x0 = services.w / 2;
    const x1 = services.w + gap1 + servers.w / 2;
    const x2 = services.w + gap1 + servers.w + gap2 + instances.w / 2;
    const order = services.nodes.sort((a, b) => a.data('row') - b.data('row'));
    cy.batch(() => {
      order.forEach((n, i) => n.position({ x: x0, y: (i + 0.5) * height / Math.max(1, order.length) }));
      servers.nodes.forEach((n) => n.position({ x: x1, y: (n.data('row') + 0.5) * rowHeight }));
      d.servers.forEach((srv, i) => {
        const host = cy.getElementById('host:' + srv.key);
        const kids = host.children().sort((a, b) => a.data('col') - b.data('col'));
        const y = (i + 0.5) * rowHeight + 8; // below the host's own label
        if (kids.length === 0) host.position({ x: x2, y: (i + 0.5) * rowHeight });
        kids.forEach((k, j) => k.position({ x: x2, y: y + (j - (kids.length - 1) / 2) * instanceStep }));
      });
    });
  }

  function draw(d) {
    const els = elements(d);
    const next = els.map((e) => e.data.id + '@' + (e.data.row ?? '') + ',' + (e.data.col ?? '')).join('|');
    if (next !== shape) {
      shape = next;
      cy.batch(() => {
        cy.elements().remove();
        cy.add(els);
      });
      layout(d);
      cy.fit(undefined, 24);
    } else {
      cy.batch(() => {
        els.forEach((e) => {
          const el = cy.getElementById(e.data.id);
          if (el.data('label') !== e.data.label) el.data('label', e.data.label);
          el.classes(e.classes || '');
        });
      });
    }
  }

  // ---- side panel ---------------------------------------------------------------------------------------------

  function text(tag, content, cls) {
    const el = document.createElement(tag);
    el.textContent = content;
    if (cls) el.className = cls;
    return el;
  }

  function time(ms) {
    return new Date(ms).toLocaleTimeString([], { hour12: false });
  }

  function names(d) {
    const svc = new Map(d.services.map((s) => [s.id, s.name]));
    const srv = new Map(d.servers.map((s) => [s.key, s.label]));
    return {
      service: (id) => svc.get(id) || id.slice(0, 12) + '…',
      server: (key) => srv.get(key) || key.slice(0, 16) + '…',
    };
  }

  function fill(listId, items, render) {
    const list = document.getElementById(listId);
    list.replaceChildren(...items.map(render));
    document.getElementById(listId + '-empty').hidden = items.length > 0;
  }

  function row(cells) {
    const tr = document.createElement('tr');
    tr.append(...cells);
    return tr;
  }

  function panel(d) {
    const n = names(d);
    const network = d.view === 'network';
    const self = d.servers.find((s) => s.self);
    document.getElementById('self-label').textContent = self ? self.label : '';
    document.getElementById('self').textContent = d.self.url + ' · ' + d.self.key;
    const fault = document.getElementById('fault');
    fault.hidden = !d.self.fault;
    fault.textContent = d.self.fault ? 'FAULT: ' + d.self.fault : '';
    document.getElementById('view-network').classList.toggle('current', network);
    document.getElementById('view-node').classList.toggle('current', !network);

    document.getElementById('nodes-section').hidden = !network;
    if (network) {
      const rows = (d.nodes || []).map((node) => {
        const link = text('a', node.label + (node.self ? ' (here)' : ''));
        link.href = node.url + '/#node';
        const name = document.createElement('td');
        name.append(link);
        let state = text('td', node.fault ? 'FAULT: ' + node.fault : 'up', node.fault ? 'warn' : '');
        if (node.unreachable) {
          state = text('td', 'no answer', 'warn');
          state.title = node.unreachable;
        } else if (node.stale) {
          state.textContent += ' (' + node.stale + ')';
          state.title = 'its last answer, ' + node.stale;
        }
        return row([name, text('td', node.unreachable ? '—' : node.totalCalls.toLocaleString(), 'num'),
          text('td', node.unreachable ? '—' : String(node.convictions), 'num'), state]);
      });
      document.querySelector('#nodes tbody').replaceChildren(...rows);
    }

    document.getElementById('calls-title').textContent = network ? 'Calls served, all nodes'
      : 'Calls served by this node';
    document.getElementById('total-calls').textContent = d.totalCalls;
    // Narrow panels hide the fuel and µs columns (style.css); the rest always fits.
    const head = network ? ['time', 'server', 'service', 'method', 'outcome', 'µs']
      : ['time', 'service', 'method', 'outcome', 'fuel', 'µs'];
    const extra = (h) => (h === 'fuel' || h === 'µs' ? 'num extra' : '');
    document.querySelector('#calls thead').replaceChildren(row(head.map((h) => text('th', h, extra(h)))));
    const rows = d.calls.slice(0, 14).map((c) => {
      const cells = [text('td', time(c.at))];
      if (network) cells.push(text('td', n.server(c.server).replace('Server ', '')));
      cells.push(text('td', n.service(c.service)), text('td', c.method),
        text('td', c.outcome, c.outcome === 'result' ? '' : 'warn'));
      if (!network) cells.push(text('td', c.fuel.toLocaleString(), extra('fuel')));
      cells.push(text('td', c.micros.toLocaleString(), extra('µs')));
      return row(cells);
    });
    document.querySelector('#calls tbody').replaceChildren(...rows);
    document.getElementById('calls-empty').hidden = rows.length > 0;

    const by = (keys) => (keys && keys.length ? ' · by ' + keys.map((k) => n.server(k).replace('Server ', ''))
      .join(', ') : '');
    document.getElementById('conviction-count').textContent = d.convictions.length || '';
    fill('convictions', d.convictions, (c) => {
      const li = document.createElement('li');
      li.append(text('strong', '✗ ' + n.server(c.server), 'bad'),
        text('span', ' convicted on ' + n.service(c.service) + ' at ' + time(c.at) + by(c.by)),
        text('div', c.reason, 'detail'));
      return li;
    });
    document.getElementById('conflict-count').textContent = d.conflicts.length || '';
    fill('conflicts', d.conflicts, (c) => {
      const li = document.createElement('li');
      li.append(text('strong', n.service(c.service)),
        text('span', ' ' + time(c.at) + ' · ' + c.servers.map(n.server).join(' vs ')),
        text('div', 'request ' + c.requestHash.slice(0, 16) + '… · ' + c.source + by(c.seenBy), 'detail'));
      return li;
    });
    reciprocity(d.reciprocity, n);
  }

  /**
   * The planner's report (tandem_reciprocity, version 1): each peer with what either side runs of what the other
   * rewards, who owes whom, and what this node runs for others; then what its last change did.
   */
  function reciprocity(r, n) {
    const box = document.getElementById('reciprocity');
    const empty = r == null || !Array.isArray(r.peers);
    document.getElementById('reciprocity-empty').hidden = !empty;
    if (empty) {
      box.replaceChildren();
      return;
    }
    const svc = (id) => (r.names && r.names[id]) || n.service(id);
    const table = document.createElement('table');
    const head = document.createElement('tr');
    ['peer', 'I run for them', 'they run for me', 'status'].forEach((c) => head.append(text('th', c)));
    table.append(head);
    const peers = [...r.peers].sort((x, y) => n.server(x.peer).localeCompare(n.server(y.peer)));
    peers.forEach((p) => {
      const tr = document.createElement('tr');
      const mine = p.iGive + (p.iOfferTheyReward.length ? ' (' + p.iOfferTheyReward.map(svc).join(', ') + ')' : '');
      let status = p.status;
      if (p.iOwe > 0) status = 'I owe ' + p.iOwe;
      if (p.theyOwe > 0) status = 'they owe ' + p.theyOwe;
      if (p.status === 'in default') status = 'in default';
      // A convicted peer's offers count for nothing: it is out of the exchange, not "balanced".
      if (p.convicted) status = 'convicted: not counted';
      tr.append(text('td', n.server(p.peer)), text('td', mine), text('td', String(p.theyGive)),
        text('td', status, status === 'balanced' ? '' : 'warn'));
      table.append(tr);
    });
    const parts = [table];
    const held = (r.offers && r.offers.reciprocity) || [];
    if (held.length) {
      parts.push(text('div', 'Runs for others: ' + held.map((h) => svc(h.service) + ' for ' + n.server(h.for))
        .join(', '), 'detail'));
    }
    const change = r.lastChange;
    if (change) {
      const what = [];
      change.added.forEach((c) => what.push('added ' + svc(c.service) + ' for ' + n.server(c.peer)));
      change.withdrawn.forEach((c) => what.push('withdrew ' + svc(c.service)));
      change.cannotHonour.forEach((c) => what.push('cannot honour ' + c.missing + ' owed to ' + n.server(c.peer)));
      if (what.length) parts.push(text('div', 'Last change at ' + time(change.at) + ': ' + what.join('; '), 'detail'));
    }
    box.replaceChildren(...parts);
  }

  // ---- polling ------------------------------------------------------------------------------------------------

  const status = document.getElementById('status');

  let timer = null;

  async function refresh() {
    clearTimeout(timer);
    const wanted = view();
    try {
      const res = await fetch(wanted === 'network' ? '/network.json' : '/dashboard.json', { cache: 'no-store' });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const d = await res.json();
      if (d.error) throw new Error(d.error);
      if (view() !== wanted) return; // the view changed while this was on its way
      d.view = wanted;
      urls = new Map(d.servers.map((s) => [s.key, s.url.replace(/\/$/, '')]));
      draw(d);
      panel(d);
      window.dashboard = d; // for tests
      status.textContent = 'live · ' + d.services.length + ' services · ' + d.servers.length + ' servers';
      status.className = 'status live';
      document.body.dataset.view = wanted;
      document.body.dataset.ready = 'true';
    } catch (e) {
      status.textContent = 'node unreachable (' + e.message + ')';
      status.className = 'status down';
    } finally {
      if (view() === wanted) timer = setTimeout(refresh, POLL_MS);
    }
  }

  window.addEventListener('hashchange', () => {
    document.body.dataset.ready = 'false';
    shape = ''; // the other view draws other labels: lay it out afresh
    refresh();
  });

  // The gaps between the columns follow the panel's shape: lay out again for the new size.
  window.addEventListener('resize', () => {
    cy.resize();
    if (window.dashboard) layout(window.dashboard);
    cy.fit(undefined, 24);
  });
  refresh();
})();
