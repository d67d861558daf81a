// The page's behaviour: plain browser JavaScript, served as /app.js (no inline script, so the CSP stays 'self').
// Every value from a response is written with textContent, never as HTML.
(function () {
  'use strict';

  const LOG_ROWS = 20;
  const BURST_SIZE = 10;
  const tally = new Map();
  let total = 0;

  function $(id) {
    return document.getElementById(id);
  }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function announce(text) {
    $('announce').textContent = text;
  }

  // One call through the frontend: returns status, parsed body, elapsed time and the request id it ran under.
  async function call(path) {
    const started = performance.now();
    try {
      const response = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
      const text = await response.text();
      let body = null;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      return {
        path: path,
        status: response.status,
        ok: response.ok,
        body: body,
        ms: Math.round(performance.now() - started),
        requestId: response.headers.get('x-request-id') || '',
      };
    } catch (error) {
      return {
        path: path,
        status: 0,
        ok: false,
        body: String(error),
        ms: Math.round(performance.now() - started),
        requestId: '',
      };
    }
  }

  function hostnameOf(result) {
    return result.ok && result.body && typeof result.body.hostname === 'string' ? result.body.hostname : '';
  }

  function setState(id, up, label) {
    const element = $(id);
    element.dataset.state = up ? 'up' : 'down';
    element.textContent = label;
  }

  function renderTally() {
    const body = $('tally-body');
    body.replaceChildren();
    if (tally.size === 0) {
      const empty = document.createElement('tr');
      empty.className = 'empty';
      const td = cell('No calls yet');
      td.colSpan = 3;
      empty.append(td);
      body.append(empty);
      return;
    }
    const rows = Array.from(tally.entries()).sort(function (a, b) {
      return b[1] - a[1] || a[0].localeCompare(b[0]);
    });
    rows.forEach(function (entry) {
      const tr = document.createElement('tr');
      const share = document.createElement('meter');
      share.min = 0;
      share.max = total;
      share.value = entry[1];
      share.textContent = entry[1] + ' of ' + total;
      share.setAttribute('aria-label', 'Share of ' + entry[0] + ': ' + entry[1] + ' of ' + total);
      const shareCell = document.createElement('td');
      shareCell.append(share);
      tr.append(cell(entry[0], 'mono'), cell(String(entry[1]), 'num'), shareCell);
      tr.dataset.hostname = entry[0];
      body.append(tr);
    });
  }

  function record(label, result) {
    const hostname = hostnameOf(result);
    if (hostname) {
      tally.set(hostname, (tally.get(hostname) || 0) + 1);
      total += 1;
      renderTally();
    }
    const tr = document.createElement('tr');
    const status = result.status === 0 ? 'network error' : String(result.status);
    tr.append(
      cell(new Date().toLocaleTimeString()),
      cell(label),
      cell(status, result.ok ? 'status-ok' : 'status-bad'),
      cell(hostname || '\u2014', 'mono'),
      cell(String(result.ms), 'num'),
      cell(result.requestId || '\u2014', 'mono'),
    );
    const log = $('log-body');
    log.prepend(tr);
    while (log.rows.length > LOG_ROWS) log.deleteRow(-1);

    $('last-meta').textContent =
      'GET ' +
      result.path +
      ' \u2192 ' +
      status +
      ' in ' +
      result.ms +
      ' ms' +
      (hostname ? ', answered by ' + hostname : '');
    $('last-body').textContent =
      typeof result.body === 'string' ? result.body : JSON.stringify(result.body, null, 2);
    return hostname;
  }

  async function refreshStatus() {
    const results = await Promise.all([call('/health'), call('/api/backend/')]);
    const frontend = results[0];
    const backend = results[1];
    setState(
      'frontend-state',
      frontend.ok,
      frontend.ok ? 'Up' : 'Down (' + (frontend.status || 'network error') + ')',
    );
    $('frontend-host').textContent = hostnameOf(frontend) || '\u2014';
    $('frontend-uptime').textContent =
      frontend.ok && typeof frontend.body.uptimeSeconds === 'number'
        ? formatUptime(frontend.body.uptimeSeconds)
        : '\u2014';
    setState(
      'backend-state',
      backend.ok,
      backend.ok ? 'Up' : 'Down (' + (backend.status || 'network error') + ')',
    );
    $('backend-host').textContent = hostnameOf(backend) || '\u2014';
    $('backend-checked').textContent = new Date().toLocaleTimeString();
    record('backend status', backend);
  }

  function formatUptime(seconds) {
    const s = Math.floor(seconds);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return (h ? h + ' h ' : '') + (h || m ? m + ' min ' : '') + (s % 60) + ' s';
  }

  // Disables the buttons while a call is in flight, so one click is one call.
  function action(run) {
    return async function () {
      const buttons = document.querySelectorAll('.actions button, #refresh-status');
      buttons.forEach(function (button) {
        button.disabled = true;
      });
      try {
        await run();
      } finally {
        buttons.forEach(function (button) {
          button.disabled = false;
        });
      }
    };
  }

  async function fetchOne(label, path) {
    const result = await call(path);
    const hostname = record(label, result);
    announce(
      label +
        ': ' +
        (result.ok ? 'answered by ' + hostname : 'failed with ' + (result.status || 'a network error')),
    );
  }

  async function fetchBurst() {
    const answered = new Set();
    let failed = 0;
    for (let i = 0; i < BURST_SIZE; i += 1) {
      const result = await call('/api/backend/api/data');
      const hostname = record('data', result);
      if (hostname) answered.add(hostname);
      else failed += 1;
    }
    announce(BURST_SIZE + ' data calls: ' + answered.size + ' pod(s) answered, ' + failed + ' failed');
  }

  function reset() {
    tally.clear();
    total = 0;
    renderTally();
    $('log-body').replaceChildren();
    $('last-meta').textContent = '\u2014';
    $('last-body').textContent = 'Press a button to call the backend.';
    announce('Tally and call log cleared');
  }

  $('refresh-status').addEventListener('click', action(refreshStatus));
  $('fetch-health').addEventListener(
    'click',
    action(function () {
      return fetchOne('health', '/api/backend/health');
    }),
  );
  $('fetch-data').addEventListener(
    'click',
    action(function () {
      return fetchOne('data', '/api/backend/api/data');
    }),
  );
  $('fetch-burst').addEventListener('click', action(fetchBurst));
  $('reset').addEventListener('click', reset);
  action(refreshStatus)();
})();
