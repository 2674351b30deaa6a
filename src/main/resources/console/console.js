// Herald console: reads the JSON API under /api/ (docs/api.md) and renders it. Plain DOM, no framework and
// no build step: three files and uPlot, all served by the node itself so the console works offline.
'use strict';

(() => {
  /** How often the page asks again: the API's rate samples are a few seconds apart, so faster shows nothing new. */
  const REFRESH_MS = 3000;
  /** Topics listed at most; the API says "truncated" beyond it, and the pattern box narrows the list. */
  const TOPIC_LIMIT = 100;
  /** Where the Authorization header value lives: sessionStorage, so it ends with the tab. */
  const AUTH_KEY = 'herald.authorization';

  const $ = (id) => document.getElementById(id);
  let chart = null;
  let timer = null;

  /** Raised when the API answers 401: the login dialog is open and the refresh waits for it. */
  class LoginNeeded extends Error {}

  // ---- the API ----------------------------------------------------------------------------------------

  async function api(path, init = {}) {
    const headers = new Headers(init.headers || {});
    const auth = sessionStorage.getItem(AUTH_KEY);
    if (auth) headers.set('Authorization', auth);
    // credentials 'omit': the console sends its own Authorization header, and the browser must not answer a
    // 401 with its own Basic prompt on top of the console's login dialog.
    const res = await fetch(path, { ...init, headers, credentials: 'omit', cache: 'no-store' });
    const body = await res.json().catch(() => ({}));
    if (res.status === 401) {
      // The API's detail says why: no credentials, refused ones, or protected mode (no users, not loopback).
      showLogin(body.detail || 'This node requires credentials.');
      throw new LoginNeeded('login needed');
    }
    if (!res.ok) {
      throw new Error(`${path}: ${res.status} ${body.error || ''} ${body.detail || ''}`.trim());
    }
    return body;
  }

  // ---- login ------------------------------------------------------------------------------------------

  function showLogin(message) {
    const dialog = $('login');
    setStatus('login needed', 'login');
    $('login-reason').textContent = message;
    if (!dialog.open) dialog.showModal();
  }

  /** Basic credentials, UTF-8 encoded as RFC 7617 recommends (btoa alone takes only Latin-1). */
  function basic(user, password) {
    const bytes = new TextEncoder().encode(`${user}:${password}`);
    return 'Basic ' + btoa(String.fromCharCode(...bytes));
  }

  $('login-form').addEventListener('submit', () => {
    sessionStorage.setItem(AUTH_KEY, basic($('login-user').value, $('login-password').value));
    $('login-password').value = '';
    $('logout').hidden = false;
    refreshNow();
  });

  $('logout').addEventListener('click', () => {
    sessionStorage.removeItem(AUTH_KEY);
    location.reload();
  });

  // ---- rendering helpers ------------------------------------------------------------------------------

  /** An element with attributes and children; text goes in as text, never as HTML (topic names and data are the user's). */
  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v !== undefined && v !== null) e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : String(c));
    return e;
  }

  const fmt = (n) => (typeof n === 'number' ? n.toLocaleString('en', { maximumFractionDigits: 1 }) : '–');

  function numCell(field, value) {
    return el('td', { class: 'num', 'data-field': field, 'data-value': value }, fmt(value));
  }

  /** A summary card's number, also kept raw in data-value for scripts and the browser test. */
  function setCard(id, value) {
    $(id).textContent = fmt(value);
    $(id).dataset.value = value;
  }

  function setStatus(text, state) {
    $('status').textContent = text;
    $('status').dataset.state = state;
    $('status').classList.toggle('error', state === 'error');
  }

  const sum = (xs) => xs.reduce((a, b) => a + (b || 0), 0);
  const last = (xs) => (xs && xs.length ? xs[xs.length - 1] : 0);

  // ---- overview: members, connections, totals, errors, rates ------------------------------------------

  function renderOverview(o) {
    // Sorted by name: the API lists members in the order they answered, which changes from call to call.
    const members = (o.members || []).slice().sort((a, b) => String(a.node).localeCompare(String(b.node)));
    $('node').textContent = `answered by ${o.node}${o.cluster ? ', clustered' : ', single node'}`;
    setCard('member-count', members.length);
    setCard('ready-count', members.filter((m) => m.ready).length);
    setCard('connection-count', sum(members.map((m) => sum(Object.values(m.connections || {})))));
    setCard('published-total', sum(members.map((m) => m.published)));
    setCard('delivered-total', sum(members.map((m) => m.delivered)));
    setCard('slow-total', sum(members.map((m) => m.slow_consumers)));

    $('members').tBodies[0].replaceChildren(...members.map((m) => el('tr', { 'data-node': m.node },
      el('td', { 'data-field': 'node' }, m.node || '(not answering)'),
      el('td', { 'data-field': 'address' }, m.address || ''),
      el('td', { 'data-field': 'ready', 'data-value': String(m.ready), class: m.ready ? 'ready' : 'not-ready' },
        m.ready ? 'ready' : 'not ready'),
      numCell('tcp', (m.connections || {}).tcp || 0),
      numCell('tls', (m.connections || {}).tls || 0),
      numCell('published', m.published),
      numCell('delivered', m.delivered),
      numCell('slow_consumers', m.slow_consumers),
      el('td', { 'data-field': 'errors' },
        errorsOf(m).map(([code, n]) => `${code} ${fmt(n)}`).join(', ')))));

    // Errors by code, cluster-wide, with each node's share.
    const byCode = new Map();
    for (const m of members) {
      for (const [code, n] of errorsOf(m)) {
        const e = byCode.get(code) || { total: 0, nodes: [] };
        e.total += n;
        e.nodes.push(`${m.node} ${fmt(n)}`);
        byCode.set(code, e);
      }
    }
    const codes = [...byCode.keys()].sort();
    $('errors').tBodies[0].replaceChildren(...codes.map((code) => el('tr', { 'data-code': code },
      el('td', {}, el('code', {}, code)),
      numCell('count', byCode.get(code).total),
      el('td', { class: 'muted' }, byCode.get(code).nodes.join(', ')))));
    $('no-errors').hidden = codes.length > 0;

    renderRates(o.rates || {});
  }

  /** A member's [code, count] pairs that are above zero (the API lists every code, most at 0). */
  function errorsOf(m) {
    return Object.entries(m.errors || {}).filter(([, n]) => n > 0);
  }

  function renderRates(rates) {
    const published = rates.published || [];
    const delivered = rates.delivered || [];
    const step = rates.interval_seconds || 5;
    setCard('publish-rate', last(published));
    setCard('deliver-rate', last(delivered));
    const n = Math.max(published.length, delivered.length);
    const now = Date.now() / 1000;
    const xs = Array.from({ length: n }, (_, i) => now - (n - 1 - i) * step);
    const data = [xs, pad(published, n), pad(delivered, n)];
    $('chart').dataset.samples = n;
    $('chart').dataset.peakPublished = Math.max(0, ...published);
    $('chart').dataset.peakDelivered = Math.max(0, ...delivered);
    if (!window.uPlot) {
      $('chart').textContent = 'The chart library did not load.';
      return;
    }
    if (chart) {
      chart.setData(data);
      return;
    }
    chart = new uPlot({
      width: chartWidth(),
      height: 220,
      scales: { y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [{}, { label: 'messages / s', size: 60 }],
      series: [
        {},
        { label: 'published / s', stroke: '#2563eb', width: 2, value: (u, v) => fmt(v) },
        { label: 'delivered / s', stroke: '#15803d', width: 2, value: (u, v) => fmt(v) },
      ],
    }, data, $('chart'));
  }

  /** Left-pads a sample series to n points with nulls (a gap), so both series share the time axis. */
  function pad(xs, n) {
    return Array(n - xs.length).fill(null).concat(xs);
  }

  function chartWidth() {
    return Math.max(300, $('chart').clientWidth - 16);
  }

  window.addEventListener('resize', () => chart && chart.setSize({ width: chartWidth(), height: 220 }));

  // ---- topics -------------------------------------------------------------------------------------------

  function topicsPath() {
    const params = new URLSearchParams({ limit: TOPIC_LIMIT });
    const pattern = $('pattern').value.trim();
    if (pattern) params.set('pattern', pattern);
    return `/api/topics?${params}`;
  }

  function renderTopics(t) {
    const topics = t.topics || [];
    $('topics').tBodies[0].replaceChildren(...topics.map((x) => el('tr', { 'data-topic': x.topic },
      el('td', { 'data-field': 'topic' }, x.topic),
      numCell('messages', x.messages),
      numCell('bytes', x.bytes),
      el('td', { class: 'num muted' }, x.messages ? `${x.first_seq}–${x.last_seq}` : '–'),
      numCell('subscribers', x.subscribers),
      numCell('publish_rate', x.publish_rate),
      el('td', {}, el('a', { href: '#' + new URLSearchParams({ peek: x.topic }) }, 'peek / publish')))));
    $('topics-truncated').hidden = !t.truncated;
  }

  $('topic-search').addEventListener('submit', (e) => {
    e.preventDefault();
    refreshNow();
  });

  // ---- peek and publish (#peek=TOPIC&last=N) ----------------------------------------------------------

  function peekTopic() {
    return new URLSearchParams(location.hash.slice(1)).get('peek');
  }

  function messagesPath(topic) {
    return `/api/topics/${encodeURIComponent(topic)}/messages`;
  }

  async function refreshPeek() {
    const topic = peekTopic();
    $('peek').hidden = !topic;
    if (!topic) return;
    $('peek').dataset.topic = topic;
    $('peek-topic').textContent = topic;
    const n = Number($('peek-last').value) || 20;
    const body = await api(`${messagesPath(topic)}?last=${n}`);
    const messages = body.messages || [];
    $('peek-messages').tBodies[0].replaceChildren(...messages.map((m) => el('tr', { 'data-seq': m.seq },
      el('td', { class: 'num' }, m.seq),
      el('td', { 'data-field': 'data' }, JSON.stringify(m.data)))));
    $('peek-empty').hidden = messages.length > 0;
  }

  function openPeekFromHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    if (params.get('last')) $('peek-last').value = params.get('last');
    refreshPeek().catch(report);
    if (peekTopic()) $('peek').scrollIntoView();
  }

  window.addEventListener('hashchange', openPeekFromHash);

  $('peek-form').addEventListener('submit', (e) => {
    e.preventDefault();
    refreshPeek().catch(report);
  });

  $('publish-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = $('publish-data').value;
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      data = text; // not JSON: send the text as a string message
    }
    try {
      const r = await api(messagesPath(peekTopic()), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(data), // the body is the message itself (docs/api.md)
      });
      $('publish-result').textContent = `published as seq ${r.seq}`;
      $('publish-result').dataset.seq = r.seq;
      await refreshPeek();
    } catch (err) {
      report(err);
      $('publish-result').textContent = err instanceof LoginNeeded ? '' : err.message;
    }
  });

  // ---- the refresh loop -------------------------------------------------------------------------------

  function report(err) {
    if (!(err instanceof LoginNeeded)) setStatus(err.message, 'error');
  }

  /** One round: overview, topics and the open peek, together; the next round starts after this one ends. */
  async function refresh() {
    try {
      const [overview, topics] = await Promise.all([api('/api/overview'), api(topicsPath())]);
      renderOverview(overview);
      renderTopics(topics);
      await refreshPeek();
      setStatus(`updated ${new Date().toLocaleTimeString('en-GB')}`, 'ok');
      document.body.dataset.loaded = 'true';
    } catch (err) {
      report(err);
    }
  }

  function refreshNow() {
    clearTimeout(timer);
    refresh().finally(() => {
      timer = setTimeout(refreshNow, REFRESH_MS);
    });
  }

  $('logout').hidden = !sessionStorage.getItem(AUTH_KEY);
  if (peekTopic()) {
    const last = new URLSearchParams(location.hash.slice(1)).get('last');
    if (last) $('peek-last').value = last;
  }
  refreshNow();
  if (peekTopic()) $('peek').scrollIntoView();
})();
