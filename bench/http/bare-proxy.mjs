#!/usr/bin/env node
// The ceiling of any Node reverse proxy, for bench/http: a node:http server and an undici Pool, nothing else.
// No framework, no logs, no metrics, no security headers, no allow-list, no timeouts beyond undici's defaults.
// It forwards GET `${PREFIX}/*` to the upstream with the prefix stripped, as the frontend does, and answers
// anything else 404. A benchmark configuration only: never shipped, never run by `npm test`.
// Usage: PORT=8080 UPSTREAM=http://127.0.0.1:3000 [PREFIX=/api/backend] [CONNECTIONS=128] node bare-proxy.mjs
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The repository's undici (the one the frontend bundles), resolved from the root so this file runs from bench/.
const require = createRequire(resolve(dirname(fileURLToPath(import.meta.url)), '../../package.json'));
const { Pool } = require('undici');

const port = Number(process.env.PORT ?? 8080);
const upstream = process.env.UPSTREAM ?? 'http://127.0.0.1:3000';
const prefix = process.env.PREFIX ?? '/api/backend';
const upstreamHost = new URL(upstream).host;
// The frontend's defaults (UPSTREAM_CONNECTIONS, pipelining 1), so the two differ only in what runs per request.
const pool = new Pool(upstream, { connections: Number(process.env.CONNECTIONS ?? 128), pipelining: 1 });

// Hop-by-hop headers (RFC 9110 7.6.1) are not relayed; the rest of the upstream's answer is.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

const server = createServer((req, res) => {
  if (req.method !== 'GET' || !req.url.startsWith(`${prefix}/`)) {
    res.writeHead(404).end();
    return;
  }
  pool.stream(
    {
      path: req.url.slice(prefix.length),
      method: 'GET',
      headers: { host: upstreamHost, 'x-forwarded-for': req.socket.remoteAddress },
    },
    ({ statusCode, headers }) => {
      for (const name of Object.keys(headers)) if (HOP_BY_HOP.has(name)) delete headers[name];
      res.writeHead(statusCode, headers);
      return res;
    },
    (error) => {
      if (!error) return;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"error":"bad gateway"}');
    },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.close().then(() => process.exit(0));
});
