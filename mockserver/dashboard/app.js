// The jtb mock's dashboard: the poster's side of the mock, live from its
// control API (control-api.yaml) and its event stream.
//
// The one rule: everything the mock answers came from agents or posters and
// is shown as text. Nodes are built with createElement, their text set with
// append(string) or textContent, never innerHTML; no data goes into an
// attribute a browser acts on (href, src, style, on*): el() refuses them.
// The page's Content-Security-Policy backs this up (no inline script).
'use strict';

(() => {
  const api = '/_control';
  const tokenKey = 'jtbControlToken';
  const openShown = 20;
  const claimedStatuses = 'claimed,delivered,pdqg_failed,pdqg_final_fail';

  const state = {
    open: new Map(), // task id → control task
    openTotal: 0,
    claimed: new Map(),
    watch: '', // the watched task's id
    traceNodes: new Map(), // trace id → node, for the watched task
    lastEventId: '',
    clockOffset: 0, // mock time minus local time, in ms
    loading: null, // a reload in progress: events wait for it
    queued: [],
    refreshing: new Map(), // task id → its refresh in flight
    renderPending: false,
    tokenWaiters: [],
  };

  const $ = (id) => document.getElementById(id);

  // el builds an element; children that are not nodes become text nodes.
  const allowedAttrs = new Set(['class', 'type', 'title', 'datetime', 'colspan']);
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (!allowedAttrs.has(k) && !k.startsWith('data-')) throw new Error('el: attribute ' + k + ' is not allowed');
      e.setAttribute(k, String(v));
    }
    for (const c of children.flat()) {
      if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  const badge = (text) => el('span', { class: 'badge ' + String(text) }, text);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const now = () => performance.timeOrigin + performance.now();

  // --- the control API -------------------------------------------------

  class Unauthorized extends Error {}

  function authHeaders(extra) {
    const h = Object.assign({}, extra);
    const t = sessionStorage.getItem(tokenKey);
    if (t) h.Authorization = 'Bearer ' + t;
    return h;
  }

  async function call(method, path, body) {
    const init = { method, headers: authHeaders(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
    if (body !== undefined) init.body = JSON.stringify(body);
    const resp = await fetch(api + path, init);
    if (resp.status === 401) {
      askToken();
      throw new Unauthorized('the control API needs its token');
    }
    const env = await resp.json();
    if (!env.ok) throw new Error(resp.status + ' ' + env.error.code + ': ' + env.error.message);
    return env.data;
  }

  const taskPath = (id) => '/tasks/' + encodeURIComponent(id);

  function showError(err) {
    if (err instanceof Unauthorized) return;
    const p = $('error');
    p.textContent = String(err && err.message ? err.message : err);
    p.hidden = false;
  }

  function clearError() {
    $('error').hidden = true;
  }

  function askToken() {
    $('token-form').hidden = false;
    $('token').focus();
  }

  function tokenGiven() {
    return new Promise((resolve) => state.tokenWaiters.push(resolve));
  }

  // --- state ---------------------------------------------------------------

  async function reloadAll() {
    const load = (async () => {
      // The newest open tasks, and every open task waiting for a decision
      // however old it is (a fixture task the agent bid on).
      const [open, deciding, claimed, poster, clock] = await Promise.all([
        call('GET', '/tasks?status=open&limit=' + openShown),
        call('GET', '/tasks?status=open&pendingBids=true&limit=500'),
        call('GET', '/tasks?status=' + claimedStatuses + '&limit=100'),
        call('GET', '/poster'),
        call('GET', '/clock'),
      ]);
      state.open = new Map(open.items.concat(deciding.items).map((t) => [t.id, t]));
      state.openTotal = open.total;
      state.claimed = new Map(claimed.items.map((t) => [t.id, t]));
      showPoster(poster);
      syncClock(clock.now);
      if (state.watch) await loadTraces(state.watch);
    })();
    state.loading = load;
    try {
      await load;
      clearError();
    } finally {
      state.loading = null;
      scheduleRender();
      const queued = state.queued;
      state.queued = [];
      queued.forEach(([type, ev]) => onEvent(type, ev));
    }
  }

  function place(t) {
    state.open.delete(t.id);
    state.claimed.delete(t.id);
    if (t.status === 'open') state.open.set(t.id, t);
    else state.claimed.set(t.id, t);
  }

  // refreshTask reads one task again; calls for a task already on its way
  // share the request.
  function refreshTask(id) {
    if (state.refreshing.has(id)) return state.refreshing.get(id);
    const p = call('GET', taskPath(id))
      .then((t) => {
        const wasOpen = state.open.has(id);
        place(t);
        if (wasOpen && t.status !== 'open') state.openTotal = Math.max(0, state.openTotal - 1);
        scheduleRender();
      })
      .catch(showError)
      .finally(() => state.refreshing.delete(id));
    state.refreshing.set(id, p);
    return p;
  }

  // --- the event stream -------------------------------------------------

  function onEvent(type, ev) {
    if (state.loading && type !== 'stream.open' && type !== 'stream.resync') {
      state.queued.push([type, ev]);
      return;
    }
    if (ev.at) syncClock(ev.at);
    logEvent(type, ev);
    switch (type) {
      case 'stream.open':
      case 'stream.resync':
      case 'reset':
        reloadAll().then(() => setStatus('live')).catch(showError);
        return;
      case 'task.created':
        state.open.set(ev.task.id, Object.assign({ assignedAgentId: null, bids: [], deliveries: [], resubmitDeadline: null }, ev.task));
        state.openTotal++;
        scheduleRender();
        return;
      case 'bid.placed': {
        const t = state.open.get(ev.taskId);
        if (t && !t.bids.some((b) => b.id === ev.bid.id)) {
          t.bids = t.bids.concat([ev.bid]);
          scheduleRender();
        } else if (!t) {
          refreshTask(ev.taskId);
        }
        return;
      }
      case 'bid.accepted':
      case 'bid.rejected':
      case 'delivery.scored':
      case 'pdqg.pinned':
      case 'task.timeMoved':
        refreshTask(ev.taskId);
        return;
      case 'task.removed':
        if (state.open.delete(ev.taskId)) state.openTotal = Math.max(0, state.openTotal - 1);
        state.claimed.delete(ev.taskId);
        scheduleRender();
        return;
      case 'trace.added':
        if (ev.taskId === state.watch) addTrace(ev.trace, true);
        return;
      case 'poster.changed':
        showPoster(ev.poster);
        return;
      case 'clock.moved':
        syncClock(ev.now);
        return;
      default: // agent.created, agent.removed and types this page does not know
    }
  }

  // parseBlock reads one server-sent event (the lines before a blank line).
  function parseBlock(block) {
    let id = '';
    let type = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'id') id = value;
      else if (field === 'event') type = value;
      else if (field === 'data') data += (data ? '\n' : '') + value;
    }
    if (!data) return;
    if (id) state.lastEventId = id;
    let ev;
    try {
      ev = JSON.parse(data);
    } catch (e) {
      return;
    }
    onEvent(type, ev);
  }

  // stream reads GET /_control/events with fetch, not EventSource, which
  // cannot send the Authorization header; it reconnects with Last-Event-ID.
  async function stream() {
    for (;;) {
      try {
        const headers = authHeaders({ Accept: 'text/event-stream' });
        if (state.lastEventId) headers['Last-Event-ID'] = state.lastEventId;
        const resp = await fetch(api + '/events', { headers, cache: 'no-store' });
        if (resp.status === 401) {
          setStatus('needs the control token');
          askToken();
          await tokenGiven();
          continue;
        }
        if (!resp.ok || !resp.body) throw new Error('event stream: HTTP ' + resp.status);
        const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value.replace(/\r\n?/g, '\n');
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            parseBlock(block);
          }
        }
      } catch (err) {
        showError(err);
      }
      setStatus('reconnecting');
      await sleep(1500);
    }
  }

  function setStatus(text) {
    const s = $('status');
    s.textContent = text;
    s.setAttribute('data-state', text);
  }

  function logEvent(type, ev) {
    const list = $('events');
    const what = [type, ev.taskId || '', ev.bidId || ''].filter(Boolean).join(' ');
    list.prepend(el('li', { 'data-type': type }, (ev.at || '') + ' ' + what));
    while (list.children.length > 50) list.lastChild.remove();
  }

  // --- the clock and the poster ---------------------------------------------

  function syncClock(mockNow) {
    const t = Date.parse(mockNow);
    if (!Number.isNaN(t)) state.clockOffset = t - Date.now();
    showClock();
  }

  function showClock() {
    const t = new Date(Date.now() + state.clockOffset);
    const c = $('clock');
    c.textContent = t.toISOString().replace('.000Z', 'Z');
    c.setAttribute('datetime', t.toISOString());
  }

  function showPoster(p) {
    $('auto-accept').checked = Boolean(p.autoAccept);
    $('accept-after').value = String(p.acceptAfterSeconds || 0);
  }

  async function setPoster() {
    const secs = Math.max(0, Math.floor(Number($('accept-after').value) || 0));
    showPoster(await call('POST', '/poster', { autoAccept: $('auto-accept').checked, acceptAfterSeconds: secs }));
  }

  // --- rendering -----------------------------------------------------------

  function scheduleRender() {
    if (state.renderPending) return;
    state.renderPending = true;
    setTimeout(() => {
      state.renderPending = false;
      render();
    }, 0);
  }

  const newestFirst = (a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1);
  const pendingBids = (t) => t.bids.filter((b) => b.status === 'pending').length;

  function render() {
    // Open tasks with pending bids first: what the poster has to decide.
    const open = [...state.open.values()].sort((a, b) => pendingBids(b) - pendingBids(a) || newestFirst(a, b));
    const shown = open.slice(0, openShown);
    $('open').replaceChildren(...(shown.length ? shown.map(taskNode) : [el('p', { class: 'empty' }, 'No open task.')]));
    $('open-count').textContent = 'showing ' + shown.length + ' of ' + Math.max(state.openTotal, open.length);
    const claimed = [...state.claimed.values()].sort(newestFirst);
    $('claimed').replaceChildren(...(claimed.length ? claimed.map(taskNode) : [el('p', { class: 'empty' }, 'No claimed task yet: accept a bid.')]));
    $('claimed-count').textContent = String(claimed.length);
    const w = state.claimed.get(state.watch) || state.open.get(state.watch);
    $('watch-title').textContent = w ? w.title : state.watch ? state.watch : 'pick a claimed task';
  }

  function taskNode(t) {
    return el('article', { class: 'task', 'data-task-id': t.id, 'data-status': t.status },
      el('div', { class: 'head' },
        el('span', { class: 'title' }, t.title),
        badge(t.status),
        el('span', { class: 'meta' }, [t.category, t.band, t.price, t.createdAt, t.id].join(' · ')),
        t.status !== 'open' ? el('button', { type: 'button', 'data-action': 'watch', 'data-task': t.id }, 'Watch it work') : null),
      el('div', { class: 'description' }, t.description),
      t.assignedAgentId ? el('div', { class: 'meta' }, 'assigned to agent ' + t.assignedAgentId) : null,
      t.resubmitDeadline ? el('div', { class: 'meta' }, 'resubmit by ' + t.resubmitDeadline) : null,
      t.bids.length ? t.bids.map((b) => bidNode(t, b)) : el('p', { class: 'empty' }, 'No bids yet.'),
      (t.deliveries || []).map(deliveryNode));
  }

  function bidNode(t, b) {
    const pending = b.status === 'pending' && t.status === 'open';
    return el('div', { class: 'bid', 'data-bid-id': b.id, 'data-status': b.status },
      el('div', { class: 'meta' }, 'bid by agent ' + b.agentId + ' · ' + b.proposedPrice + ' · ' + b.createdAt + ' ', badge(b.status)),
      el('div', { class: 'cover' }, b.coverLetter),
      pending ? [
        el('button', { type: 'button', 'data-action': 'accept', 'data-task': t.id, 'data-bid': b.id }, 'Accept'),
        ' ',
        el('button', { type: 'button', 'data-action': 'reject', 'data-task': t.id, 'data-bid': b.id }, 'Reject'),
      ] : null);
  }

  function deliveryNode(d) {
    const criteria = d.criteria || [];
    return el('div', { class: 'delivery', 'data-delivery-id': d.id, 'data-verdict': d.verdict },
      el('div', { class: 'head' },
        'delivery, attempt ' + d.attempt + ': PDQG ',
        badge(d.verdict),
        ' score ' + Number(d.score).toFixed(2) + ' → ',
        badge(d.status),
        el('span', { class: 'meta' }, ' ' + d.submittedAt + (d.scorerVersion ? ' · scorer ' + d.scorerVersion : ''))),
      criteria.length ? el('table', { class: 'criteria' },
        el('tr', {}, el('th', {}, 'criterion'), el('th', {}, 'weight'), el('th', {}, 'score'), el('th', {}, 'feedback')),
        criteria.map((c) => el('tr', { 'data-criterion': c.name },
          el('td', {}, c.name), el('td', {}, Number(c.weight).toFixed(2)), el('td', {}, Number(c.score).toFixed(2)), el('td', {}, c.feedback)))) : null,
      d.content ? el('pre', { class: 'content' }, d.content) : null);
  }

  // --- Watch It Work ------------------------------------------------------

  function traceNode(tr, live) {
    const meta = tr.metadata && Object.keys(tr.metadata).length ? JSON.stringify(tr.metadata, null, 2) : '';
    const attrs = { class: 'trace', 'data-trace-id': tr.id };
    if (live) attrs['data-received'] = now(); // when the event was shown: the latency check reads it
    return el('div', attrs,
      el('span', { class: 'event' }, tr.event), ' ',
      el('span', { class: 'meta' }, tr.createdAt + ' · ' + tr.visibility),
      el('div', { class: 'message' }, tr.message),
      meta ? el('pre', { class: 'metadata' }, meta) : null);
  }

  function addTrace(tr, live) {
    if (state.traceNodes.has(tr.id)) return;
    const node = traceNode(tr, live);
    state.traceNodes.set(tr.id, node);
    const box = $('watch');
    const empty = box.querySelector('.empty');
    if (empty) empty.remove();
    box.append(node);
  }

  async function loadTraces(id) {
    const data = await call('GET', taskPath(id) + '/traces');
    if (state.watch !== id) return;
    // Traces that arrived on the stream meanwhile are newer: they go last.
    const fetched = new Set(data.items.map((tr) => tr.id));
    const nodes = data.items.map((tr) => state.traceNodes.get(tr.id) || traceNode(tr, false));
    const later = [...state.traceNodes.entries()].filter(([tid]) => !fetched.has(tid)).map(([, n]) => n);
    data.items.forEach((tr, i) => state.traceNodes.set(tr.id, nodes[i]));
    const all = nodes.concat(later);
    $('watch').replaceChildren(...(all.length ? all : [el('p', { class: 'empty' }, 'No trace yet: the agent posts them with POST /v1/tasks/{taskId}/progress.')]));
  }

  async function watch(id) {
    state.watch = id;
    state.traceNodes = new Map();
    const box = $('watch');
    box.setAttribute('data-task-id', id);
    box.replaceChildren(el('p', { class: 'empty' }, 'Loading traces…'));
    history.replaceState(null, '', '#watch=' + encodeURIComponent(id));
    render();
    await loadTraces(id);
  }

  // --- controls ------------------------------------------------------------

  document.addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (!b) return;
    const act = b.getAttribute('data-action');
    const task = b.getAttribute('data-task');
    const bid = b.getAttribute('data-bid');
    const advance = b.getAttribute('data-advance');
    let done;
    if (act === 'accept' || act === 'reject') {
      b.disabled = true;
      done = call('POST', taskPath(task) + '/bids/' + encodeURIComponent(bid) + '/' + act)
        .then((t) => {
          place(t);
          scheduleRender();
          if (act === 'accept') return watch(task);
          return undefined;
        });
    } else if (act === 'watch') {
      done = watch(task);
    } else if (advance) {
      done = call('POST', '/clock/advance', { seconds: Number(advance) }).then((c) => syncClock(c.now));
    }
    if (done) done.then(clearError, showError).finally(() => { b.disabled = false; });
  });

  function startPage() {
    $('auto-accept').addEventListener('change', () => setPoster().catch(showError));
    $('accept-after').addEventListener('change', () => setPoster().catch(showError));
    $('token-form').addEventListener('submit', (e) => {
      e.preventDefault();
      sessionStorage.setItem(tokenKey, $('token').value);
      $('token').value = '';
      $('token-form').hidden = true;
      const waiters = state.tokenWaiters;
      state.tokenWaiters = [];
      waiters.forEach((w) => w());
      reloadAll().catch(showError);
    });
    setInterval(showClock, 1000);
    setInterval(() => call('GET', '/clock').then((c) => syncClock(c.now)).catch(() => {}), 15000);
    const m = /^#watch=(.+)$/.exec(location.hash);
    if (m) {
      state.watch = decodeURIComponent(m[1]);
      $('watch').setAttribute('data-task-id', state.watch);
    }
    stream();
  }

  startPage();
})();
