import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { startLoopbackServer } from '@ztmesh/test-support';

/** How the stand-in handles a request: forward it, forward it late, or answer as Envoy itself would. */
export type MeshMode =
  | { readonly kind: 'forward' }
  | { readonly kind: 'delay'; readonly delayMs: number }
  | { readonly kind: 'answer'; readonly statusCode: number; readonly body: string };

/** What Envoy answers when an AuthorizationPolicy denies a request (text/plain). */
export const RBAC_DENIED: MeshMode = { kind: 'answer', statusCode: 403, body: 'RBAC: access denied' };
/** What Envoy's local rate limit filter answers (text/plain). */
export const LOCAL_RATE_LIMITED: MeshMode = { kind: 'answer', statusCode: 429, body: 'local_rate_limited' };

/** A stand-in for the backend Service and its sidecar on a loopback port. */
export interface TestMesh {
  readonly url: string;
  /** Backend origins, used round-robin one request at a time (as Envoy balances, unlike kube-proxy's per connection). */
  targets: string[];
  mode: MeshMode;
  /** Requests received so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/**
 * Starts the stand-in: each request goes to the next target; a target that refuses the connection makes the
 * stand-in drop the caller's socket, so the frontend sees what a dead endpoint gives it (its 502).
 */
export async function startTestMesh(targets: string[]): Promise<TestMesh> {
  const state = { targets, mode: { kind: 'forward' } as MeshMode, next: 0, requests: 0 };
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const target = state.targets[state.next++ % state.targets.length];
    const upstream = request(
      `${target}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  };
  const local = await startLoopbackServer((req, res) => {
    state.requests += 1;
    const mode = state.mode;
    if (mode.kind === 'answer') {
      req.resume();
      res.writeHead(mode.statusCode, {
        'content-type': 'text/plain',
        'content-length': Buffer.byteLength(mode.body),
      });
      res.end(mode.body);
    } else if (mode.kind === 'delay') {
      setTimeout(() => (req.socket.destroyed ? undefined : forward(req, res)), mode.delayMs).unref();
    } else {
      forward(req, res);
    }
  });
  return {
    url: local.url,
    get targets() {
      return state.targets;
    },
    set targets(value: string[]) {
      state.targets = value;
    },
    get mode() {
      return state.mode;
    },
    set mode(value: MeshMode) {
      state.mode = value;
    },
    get requests() {
      return state.requests;
    },
    close: local.close,
  };
}
