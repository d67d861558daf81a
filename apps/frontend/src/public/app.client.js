// The page's behaviour: plain browser JavaScript, served as /app.js (no inline script, so the CSP stays 'self').
// Every value from a response is written with textContent, never as HTML.
(function () {
  'use strict';

  const LOG_ROWS = 25;
  const SPARK_POINTS = 40;
  const DATA_PATH = '/api/backend/api/data';
  // The poll interval: 2 s, or `?interval=<ms>` (250 ms to 60 s) for a livelier view or a test.
  const INTERVAL_MS = (function () {
    const asked = Number(new URLSearchParams(location.search).get('interval'));
    return Number.isFinite(asked) && asked >= 250 && asked <= 60000 ? Math.round(asked) : 2000;
  })();

  const tally = new Map();
  const latencies = [];
  let total = 0;
  let paused = false;
  let timer = null;
  let inFlight = false;

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

  function bodyText(result) {
    return typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
  }

  // What a result means, in words a person beside Kiali would use; `condition` is the CSS/test hook.
  function classify(result) {
    const text = bodyText(result) || '';
    if (result.ok) {
      return {
        condition: 'ok',
        title: 'Backend answering',
        detail:
          'Last call answered by ' + (hostnameOf(result) || 'the backend') + ' in ' + result.ms + ' ms.',
      };
    }
    switch (result.status) {
      case 0:
        return {
          condition: 'unreachable',
          title: 'Frontend unreachable',
          detail: 'The browser could not reach the frontend at all (' + text + ').',
        };
      case 502:
        return {
          condition: 'down',
          title: 'Backend down (502)',
          detail: 'The frontend could not reach any backend pod: it refused the connection or closed it.',
        };
      case 504:
        return {
          condition: 'slow',
          title: 'Backend slow (504)',
          detail: 'The backend did not answer within the frontend\u2019s upstream timeout.',
        };
      case 403:
        return {
          condition: 'refused',
          title: /RBAC: access denied/.test(text) ? 'Refused by the mesh (403)' : 'Forbidden (403)',
          detail: /RBAC: access denied/.test(text)
            ? 'An Istio AuthorizationPolicy denied this call: \u201cRBAC: access denied\u201d.'
            : 'The call was refused: ' + text.slice(0, 120),
        };
      case 429:
        return {
          condition: 'limited',
          title: 'Rate-limited (429)',
          detail:
            'Too many requests: the mesh\u2019s rate limit turned this call away. Calls resume on their own.',
        };
      default:
        return {
          condition: 'error',
          title: 'Unexpected answer (' + result.status + ')',
          detail: text.slice(0, 160),
        };
    }
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
      return a[0].localeCompare(b[0]);
    });
    rows.forEach(function (entry) {
      const percent = Math.round((entry[1] / total) * 100);
      const tr = document.createElement('tr');
      const share = document.createElement('meter');
      share.min = 0;
      share.max = total;
      share.value = entry[1];
      share.textContent = percent + '%';
      share.setAttribute('aria-label', 'Share of ' + entry[0] + ': ' + percent + ' percent');
      const shareCell = document.createElement('td');
      shareCell.className = 'share';
      const label = document.createElement('span');
      label.className = 'percent';
      label.textContent = percent + '%';
      shareCell.append(share, label);
      tr.append(cell(entry[0], 'mono'), cell(String(entry[1]), 'num'), shareCell);
      tr.dataset.hostname = entry[0];
      body.append(tr);
    });
  }

  function renderSparkline() {
    const line = $('spark-line');
    $('spark-count').textContent = String(latencies.length);
    if (latencies.length === 0) {
      line.setAttribute('points', '');
      $('spark-summary').textContent = 'No calls yet';
      return;
    }
    const max = Math.max.apply(null, latencies.concat([1]));
    const step = latencies.length > 1 ? 300 / (SPARK_POINTS - 1) : 0;
    const offset = 300 - step * (latencies.length - 1);
    const points = latencies.map(function (ms, i) {
      return (offset + i * step).toFixed(1) + ',' + (58 - (ms / max) * 54).toFixed(1);
    });
    line.setAttribute('points', points.join(' '));
    const sorted = latencies.slice().sort(function (a, b) {
      return a - b;
    });
    $('spark-summary').textContent =
      'last ' +
      latencies[latencies.length - 1] +
      ' ms, median ' +
      sorted[Math.floor(sorted.length / 2)] +
      ' ms, max ' +
      sorted[sorted.length - 1] +
      ' ms';
  }

  function routeOf(path) {
    return path.replace(/^\/api\/backend/, '') || '/';
  }

  // Adds one call to the stream, the tally and the sparkline; returns what it meant.
  function record(result) {
    const meaning = classify(result);
    const hostname = hostnameOf(result);
    if (hostname) {
      tally.set(hostname, (tally.get(hostname) || 0) + 1);
      total += 1;
      renderTally();
    }
    latencies.push(result.ms);
    while (latencies.length > SPARK_POINTS) latencies.shift();
    renderSparkline();

    const tr = document.createElement('tr');
    tr.dataset.condition = meaning.condition;
    const status = result.status === 0 ? 'network error' : String(result.status);
    tr.append(
      cell(new Date().toLocaleTimeString()),
      cell('GET ' + routeOf(result.path), 'mono'),
      cell(status, result.ok ? 'status-ok' : 'status-bad'),
      cell(String(result.ms), 'num'),
      cell(hostname || '\u2014', 'mono'),
    );
    const log = $('log-body');
    log.prepend(tr);
    while (log.rows.length > LOG_ROWS) log.deleteRow(-1);

    const condition = $('condition');
    condition.dataset.condition = meaning.condition;
    $('condition-title').textContent = meaning.title;
    $('condition-detail').textContent = meaning.detail;
    setState('backend-state', result.ok, result.ok ? 'Up' : meaning.title);
    if (hostname) $('backend-host').textContent = hostname;
    $('backend-checked').textContent = new Date().toLocaleTimeString();

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
    return meaning;
  }

  function formatUptime(seconds) {
    const s = Math.floor(seconds);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return (h ? h + ' h ' : '') + (h || m ? m + ' min ' : '') + (s % 60) + ' s';
  }

  async function refreshFrontend() {
    const frontend = await call('/health');
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
  }

  // --- polling: one call at a time, the next one INTERVAL_MS after the last finished; none while hidden ----------
  function running() {
    return !paused && document.visibilityState !== 'hidden';
  }

  function showPollState() {
    const state = $('poll-state');
    const seconds = INTERVAL_MS >= 1000 ? INTERVAL_MS / 1000 + ' s' : INTERVAL_MS + ' ms';
    if (paused) state.textContent = 'Paused';
    else if (document.visibilityState === 'hidden') state.textContent = 'Stopped while the tab is hidden';
    else state.textContent = 'Polling every ' + seconds;
    state.dataset.polling = running() ? 'yes' : 'no';
    const button = $('pause');
    button.textContent = paused ? 'Resume' : 'Pause';
    button.setAttribute('aria-pressed', paused ? 'true' : 'false');
  }

  function schedule(delayMs) {
    clearTimeout(timer);
    timer = null;
    if (running()) timer = setTimeout(tick, delayMs);
  }

  async function tick() {
    timer = null;
    if (!running() || inFlight) return;
    inFlight = true;
    try {
      const results = await Promise.all([call(DATA_PATH), refreshFrontend()]);
      record(results[0]);
    } finally {
      inFlight = false;
      schedule(INTERVAL_MS);
    }
  }

  $('pause').addEventListener('click', function () {
    paused = !paused;
    showPollState();
    schedule(0);
    announce(paused ? 'Polling paused' : 'Polling resumed');
  });
  document.addEventListener('visibilitychange', function () {
    showPollState();
    schedule(0);
  });

  // --- calls by hand ---------------------------------------------------------------------------------------------
  function byHand(id, path, label) {
    const button = $(id);
    button.addEventListener('click', async function () {
      button.disabled = true;
      try {
        const meaning = record(await call(path));
        announce(label + ': ' + meaning.title);
      } finally {
        button.disabled = false;
      }
    });
  }

  byHand('fetch-health', '/api/backend/health', 'health');
  byHand('fetch-data', DATA_PATH, 'data');
  $('reset').addEventListener('click', function () {
    tally.clear();
    total = 0;
    latencies.length = 0;
    renderTally();
    renderSparkline();
    $('log-body').replaceChildren();
    $('last-meta').textContent = '\u2014';
    $('last-body').textContent = '\u2014';
    announce('Tally, sparkline and call log cleared');
  });

  showPollState();
  schedule(0);
})();
