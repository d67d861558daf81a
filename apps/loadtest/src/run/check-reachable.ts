import { connect } from 'node:net';
import type { Scenario } from '../scenarios/scenario';

/** The first origin of an ordinary scenario that cannot be connected to, with why; undefined when all can. */
export async function findUnreachable(
  scenarios: readonly Scenario[],
  timeoutMs: number,
): Promise<{ scenario: Scenario; reason: string } | undefined> {
  const seen = new Set<string>();
  const checks: Promise<{ scenario: Scenario; reason: string } | undefined>[] = [];
  for (const scenario of scenarios) {
    // Unauthorized targets are meant to be unreachable; only the traffic that should work is checked.
    if (scenario.unauthorized || seen.has(scenario.origin)) continue;
    seen.add(scenario.origin);
    checks.push(
      tryConnect(scenario.origin, timeoutMs).then((reason) => (reason ? { scenario, reason } : undefined)),
    );
  }
  return (await Promise.all(checks)).find((problem) => problem !== undefined);
}

/** Opens and closes one TCP connection to an origin; resolves to why it failed, or undefined. */
function tryConnect(origin: string, timeoutMs: number): Promise<string | undefined> {
  const url = new URL(origin);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`no connection within ${timeoutMs} ms`);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const reasons: Record<string, string> = {
        ECONNREFUSED: 'connection refused',
        ENOTFOUND: 'host not found',
        EAI_AGAIN: 'host name lookup failed',
        EHOSTUNREACH: 'host unreachable',
        ENETUNREACH: 'network unreachable',
      };
      resolve(`${(error.code && reasons[error.code]) ?? error.message} (${error.code ?? 'error'})`);
    });
  });
}
