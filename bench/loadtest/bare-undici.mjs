#!/usr/bin/env node
// The floor of any generator built on undici: a closed loop on undici Clients with nothing else (no ids, no
// scheduling, no recording, no timeouts), using the dispatch options the load generator uses. bench/loadtest
// runs it beside loadtest, autocannon and wrk, so a gap to autocannon can be split into what our code costs
// (loadtest vs this) and what undici's request path costs (this vs autocannon). Never run by tests.
//
//   node bench/loadtest/bare-undici.mjs URL CONNECTIONS SECONDS   -> {"requests":N,"seconds":S,"errors":E}
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(import.meta.dirname, '..', '..', 'package.json'));
const { Client } = require('undici');

const [url, connectionsText, secondsText] = process.argv.slice(2);
const connections = Number(connectionsText);
const seconds = Number(secondsText);
if (!url || !(connections > 0) || !(seconds > 0)) {
  console.error('usage: bare-undici.mjs URL CONNECTIONS SECONDS');
  process.exit(2);
}
const target = new URL(url);
// Header values as long as the generator's (a UUID and a traceparent), fixed: undici validates and writes them.
const options = {
  path: target.pathname + target.search,
  method: 'GET',
  headers: [
    'x-request-id',
    '0f8fad5b-d9cb-469f-a165-70867728950e',
    'traceparent',
    '00-0f8fad5bd9cb469fa16570867728950e-b7ad6b7169203331-01',
  ],
  blocking: false,
  reset: false,
};
let requests = 0;
let errors = 0;
let stopped = false;
const started = performance.now();

function loop(client) {
  const handler = {
    onConnect() {},
    onHeaders(status) {
      if (status >= 400) errors++;
      return true;
    },
    onData() {
      return true;
    },
    onComplete() {
      requests++;
      if (!stopped) client.dispatch(options, handler);
    },
    onError() {
      errors++;
      if (!stopped) setTimeout(() => client.dispatch(options, handler), 10);
    },
    onUpgrade() {},
  };
  client.dispatch(options, handler);
}

const clients = Array.from(
  { length: connections },
  () => new Client(target.origin, { pipelining: 1, headersTimeout: 0, bodyTimeout: 0 }),
);
for (const client of clients) loop(client);
setTimeout(() => {
  stopped = true;
  const elapsed = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ requests, seconds: elapsed, errors })}\n`);
  process.exit(0);
}, seconds * 1000);
