import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';

/** Listens `server` (HTTP or plain TCP) on 127.0.0.1:`port` (default 0, an ephemeral one); resolves with the port. */
export function listenOnLoopback(server: TcpServer, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released): connecting to it is refused. */
export async function freePort(): Promise<number> {
  const probe = createTcpServer();
  const port = await listenOnLoopback(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A real HTTP server on 127.0.0.1 and an ephemeral port, for tests. */
export interface LoopbackServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Closes the server, dropping keep-alive and in-flight connections. */
  close(): Promise<void>;
}

/** Options of startLoopbackServer. */
export interface LoopbackServerOptions {
  /** Idle keep-alive of the server's connections (default Node's, 5 s). */
  readonly keepAliveTimeoutMs?: number;
}

/** Starts `handler` on 127.0.0.1:0. */
export async function startLoopbackServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: LoopbackServerOptions = {},
): Promise<LoopbackServer> {
  const server =
    options.keepAliveTimeoutMs === undefined
      ? createServer(handler)
      : createServer({ keepAliveTimeout: options.keepAliveTimeoutMs }, handler);
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
