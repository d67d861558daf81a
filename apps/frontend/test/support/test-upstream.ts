import type { IncomingHttpHeaders } from 'node:http';
import { startLoopbackServer } from '@ztmesh/test-support';

/** One request as the test upstream received it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** How the test upstream answers: like the backend, slowly, with a status, or with extra headers. */
export type UpstreamMode =
  | { readonly kind: 'backend' }
  /** Answers after `delayMs`; with `path`, only that path is slow and the rest answers at once. */
  | { readonly kind: 'slow'; readonly delayMs: number; readonly path?: string }
  | { readonly kind: 'status'; readonly statusCode: number }
  | { readonly kind: 'headers'; readonly headers: Record<string, string> }
  | { readonly kind: 'large'; readonly bytes: number };

/** A real HTTP upstream on an ephemeral loopback port that records what it receives. */
export interface TestUpstream {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedRequest[];
  /** Requests whose connection closed before they were answered (a proxy that cancelled them). */
  readonly cancelled: () => number;
  mode: UpstreamMode;
  close(): Promise<void>;
}

/** Starts a plain Node HTTP server standing in for the backend (hostname `upstream-pod`). */
export async function startTestUpstream(): Promise<TestUpstream> {
  const received: ReceivedRequest[] = [];
  const state: { mode: UpstreamMode } = { mode: { kind: 'backend' } };
  let cancelled = 0;
  const local = await startLoopbackServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const mode = state.mode;
    const send = (statusCode: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(statusCode, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        ...headers,
      });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    const path = (req.url ?? '').split('?')[0];
    const backendBody =
      path === '/api/data'
        ? {
            message: 'Hello from Backend!',
            data: { items: ['item1', 'item2', 'item3'], count: 3 },
            hostname: 'upstream-pod',
            timestamp: new Date().toISOString(),
          }
        : { status: 'healthy', service: 'backend', hostname: 'upstream-pod', path };
    switch (mode.kind) {
      case 'backend':
        return send(200, backendBody);
      case 'slow': {
        if (mode.path !== undefined && mode.path !== path) return send(200, backendBody);
        const timer = setTimeout(() => send(200, backendBody), mode.delayMs).unref();
        res.once('close', () => {
          if (res.writableFinished) return;
          clearTimeout(timer);
          cancelled += 1;
        });
        return;
      }
      case 'status':
        return send(mode.statusCode, { statusCode: mode.statusCode });
      case 'headers':
        return send(200, backendBody, mode.headers);
      case 'large': {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': mode.bytes });
        res.end(Buffer.alloc(mode.bytes, 120));
        return;
      }
    }
  });
  return {
    url: local.url,
    port: local.port,
    received,
    cancelled: () => cancelled,
    get mode() {
      return state.mode;
    },
    set mode(mode: UpstreamMode) {
      state.mode = mode;
    },
    close: local.close,
  };
}
