// The node dashboard: draws the picture of the design notes live from /dashboard.json.
//
// Left, the ServiceRegistry (each service: name, ABI, short module CID); middle, the ServerRegistry (each server:
// URL and score as this node sees it), with green "offers" edges from a server to the services it runs and orange
// "rewards" edges from a service to the servers that want it run; right, the cloud: every server with the services
// it runs. Everything is placed by cytoscape's grid layout by row and column; the graph is laid out again only when
// its elements change, so a refresh that only changes scores or counters does not move anything.
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
        'font-size': 12, color: COLORS.ink, label: 'data(label)', 'text-wrap': 'wrap',
        'text-valign': 'center', 'text-halign': 'center', shape: 'round-rectangle',
        'background-color': '#ffffff', 'border-width': 1, 'border-color': '#8c959f',
        width: 'label', height: 'label', padding: 10 } },
      { selector: ':parent', style: {
        'text-valign': 'top', 'text-halign': 'center', 'text-margin-y': -4, 'font-weight': 600,
        'font-size': 13, padding: 14, 'background-color': '#ddf4ff', 'background-opacity': 1,
        'border-color': '#9cd1f5', 'border-width': 1, shape: 'round-rectangle' } },
      { selector: 'node.cluster', style: { 'font-size': 15, color: '#0a3069', padding: 18 } },
      { selector: 'node.cluster.cloud', style: { 'background-color': '#eef1f4', 'border-color': '#c8d1da' } },
      { selector: 'node.service', style: { 'text-max-width': 220 } },
      { selector: 'node.server', style: { 'text-max-width': 240, 'text-justification': 'left' } },
      { selector: 'node.host', style: {
        'background-color': '#ffffff', 'border-color': '#8c959f', 'font-size': 12, padding: 8,
        'text-valign': 'top', 'text-margin-y': -3 } },
      { selector: 'node.host:childless', style: { 'text-valign': 'center', 'text-margin-y': 0, padding: 10 } },
      { selector: 'node.instance', style: {
        'background-color': '#f6f8fa', 'border-color': '#afb8c1', 'font-size': 11, padding: 6 } },
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

  let shape = '';
  let lastFit = 0;

  function serviceLabel(s) {
    return s.name + '\n' + s.abi + ' · ' + s.moduleShort;
  }

  function scoreText(server) {
    if (server.convicted) return 'score 0 · CONVICTED';
    return server.score == null ? 'score —' : 'score ' + server.score;
  }

  function serverLabel(server) {
    const name = (server.convicted ? '✗ ' : '') + server.label;
    return name + '\n' + server.url + '\n' + (server.self ? 'this node' : scoreText(server));
  }

  /** Elements for one snapshot; ids are stable so that a refresh can tell what changed. */
  function elements(d) {
    const now = d.generatedAt;
    const services = new Map(d.services.map((s) => [s.id, s]));
    const recentlyServed = new Set(d.calls.filter((c) => now - c.at < ACTIVE_MS).map((c) => c.service));
    const labels = new Map(d.servers.map((s) => [s.key, s.label]));
    const held = (d.reciprocity && d.reciprocity.offers && d.reciprocity.offers.reciprocity) || [];
    const heldFor = new Map(held.map((h) => [h.service, h.for]));
    const els = [];
    els.push({ group: 'nodes', data: { id: 'services', label: 'ServiceRegistry' }, classes: 'cluster' });
    els.push({ group: 'nodes', data: { id: 'servers', label: 'ServerRegistry' }, classes: 'cluster' });
    els.push({ group: 'nodes', data: { id: 'cloud', label: 'cloud' }, classes: 'cluster cloud' });
    d.services.forEach((s, i) => {
      els.push({ group: 'nodes', data: { id: 'svc:' + s.id, parent: 'services', label: serviceLabel(s),
        row: i, col: 0 }, classes: 'service' });
    });
    d.servers.forEach((srv, i) => {
      const cls = (srv.self ? ' self' : '') + (srv.convicted ? ' convicted' : '');
      els.push({ group: 'nodes', data: { id: 'srv:' + srv.key, parent: 'servers', label: serverLabel(srv),
        row: i, col: 0 }, classes: 'server' + cls });
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
        } else if (srv.self) {
          // This node knows more about what it runs: for whom (reciprocity) and how often it was called.
          const notes = [];
          const forPeer = heldFor.get(r.id);
          if (forPeer) notes.push('for ' + (labels.get(forPeer) || 'a peer').replace('Server ', ''));
          const n = d.recentCallsByService[r.id] || 0;
          if (n > 0) notes.push(n + ' call' + (n === 1 ? '' : 's'));
          if (notes.length) label += '\n' + notes.join(' · ');
          if (recentlyServed.has(r.id)) cls += ' active';
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
   * Three grid layouts side by side, one per cluster, sharing one row height so that a server's row in the
   * ServerRegistry lines up with its row in the cloud; the services are spread over the same height. Each grid is
   * only as wide as its own nodes need (one grid for all would make every cell as wide as the widest label).
   */
  function layout(d) {
    const rows = Math.max(1, d.services.length, d.servers.length);
    const cells = (sel) => {
      const nodes = cy.nodes(sel);
      return {
        nodes,
        w: Math.max(40, ...nodes.map((n) => n.outerWidth())),
        h: Math.max(30, ...nodes.map((n) => n.outerHeight())),
        cols: Math.max(1, ...nodes.map((n) => n.data('col') + 1)),
      };
    };
    const services = cells('.service');
    const servers = cells('.server');
    const cloud = cells('.instance, .host:childless');
    const columns = [
      { c: services, rows: Math.max(1, d.services.length), w: services.w + 20, gapAfter: 170 },
      { c: servers, rows, w: servers.w + 20, gapAfter: 90 },
      { c: cloud, rows, w: cloud.cols * (cloud.w + 30), gapAfter: 0 },
    ];
    // Rows at least tall enough for their nodes; taller when the panel is, so the picture fills it.
    const width = columns.reduce((sum, col) => sum + col.w + col.gapAfter, 0);
    const minRow = Math.max(services.h, servers.h, cloud.h + 34) + 26;
    const rowHeight = Math.min(2 * minRow, Math.max(minRow, 0.9 * width * cy.height() / cy.width() / rows));
    const height = rows * rowHeight;
    let x = 0;
    columns.forEach((col) => {
      col.c.nodes.layout({
        name: 'grid',
        fit: false,
        condense: false,
        avoidOverlap: false,
        rows: col.rows,
        cols: col.c.cols,
        boundingBox: { x1: x, y1: 0, w: col.w, h: height },
        position: (n) => ({ row: n.data('row'), col: n.data('col') }),
        animate: false,
      }).run();
      x += col.w + col.gapAfter;
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
      lastFit = Date.now();
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

  function panel(d) {
    const n = names(d);
    const self = d.servers.find((s) => s.self);
    document.getElementById('self').textContent = (self ? self.label + ' · ' : '') + d.self.url + ' · '
      + d.self.key + (d.self.fault ? ' · FAULT: ' + d.self.fault : '');
    document.getElementById('total-calls').textContent = d.totalCalls;
    const rows = d.calls.slice(0, 14).map((c) => {
      const tr = document.createElement('tr');
      tr.append(text('td', time(c.at)), text('td', n.service(c.service)), text('td', c.method),
        text('td', c.outcome, c.outcome === 'result' ? '' : 'warn'),
        text('td', c.fuel.toLocaleString(), 'num'), text('td', c.micros.toLocaleString(), 'num'));
      return tr;
    });
    document.querySelector('#calls tbody').replaceChildren(...rows);
    document.getElementById('calls-empty').hidden = rows.length > 0;

    document.getElementById('conviction-count').textContent = d.convictions.length || '';
    fill('convictions', d.convictions, (c) => {
      const li = document.createElement('li');
      li.append(text('strong', '✗ ' + n.server(c.server), 'bad'),
        text('span', ' convicted on ' + n.service(c.service) + ' at ' + time(c.at)),
        text('div', c.reason, 'detail'));
      return li;
    });
    document.getElementById('conflict-count').textContent = d.conflicts.length || '';
    fill('conflicts', d.conflicts, (c) => {
      const li = document.createElement('li');
      li.append(text('strong', n.service(c.service)),
        text('span', ' ' + time(c.at) + ' · ' + c.servers.map(n.server).join(' vs ')),
        text('div', 'request ' + c.requestHash.slice(0, 16) + '… · ' + c.source, 'detail'));
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
      tr.append(text('td', n.server(p.peer)), text('td', mine), text('td', String(p.theyGive)),
        text('td', status, p.status === 'balanced' ? '' : 'warn'));
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

  async function refresh() {
    try {
      const res = await fetch('/dashboard.json', { cache: 'no-store' });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const d = await res.json();
      draw(d);
      panel(d);
      status.textContent = 'live · ' + d.services.length + ' services · ' + d.servers.length + ' servers';
      status.className = 'status live';
      document.body.dataset.ready = 'true';
    } catch (e) {
      status.textContent = 'node unreachable (' + e.message + ')';
      status.className = 'status down';
    } finally {
      setTimeout(refresh, POLL_MS);
    }
  }

  window.addEventListener('resize', () => {
    cy.resize();
    if (Date.now() - lastFit > 200) cy.fit(undefined, 24);
  });
  refresh();
})();
