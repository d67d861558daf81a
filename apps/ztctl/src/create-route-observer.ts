import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describeObject } from '@ztmesh/policy';
import {
  envValue,
  findContainerPort,
  imageName,
  probeRequests,
  serviceEnvNumber,
  type PodTemplate,
  type RouteObservation,
  type RouteObserver,
  type RouteRequest,
} from '@ztmesh/manifests';

// The container type as the manifests lib reads it (kubernetes-models), without depending on that package here.
type IContainer = PodTemplate['spec']['containers'][number];

/** Options for createRouteObserver. */
export interface RouteObserverOptions {
  readonly repoRoot: string;
  /** Maps an image name to its built bundle (default `ztmesh/<app>` -> `dist/apps/<app>/main.cjs`). */
  readonly bundleFor?: (image: string) => string | undefined;
  /** How long an app may take to log `listening` (default 15 s: CPU is shared while tests run). */
  readonly startTimeoutMs?: number;
  /** Timeout of one probe request (default 5 s). */
  readonly requestTimeoutMs?: number;
}

interface RunningApp {
  readonly port?: number;
  readonly metricsPort?: number;
  readonly error?: string;
}

/** `ztmesh/<app>` -> `<repoRoot>/dist/apps/<app>/main.cjs`, the layout every app's Nx build writes. */
export function defaultBundleFor(repoRoot: string): (image: string) => string | undefined {
  return (image) => {
    const match = /^ztmesh\/([a-z0-9-]+)$/.exec(image);
    return match ? join(repoRoot, 'dist', 'apps', match[1], 'main.cjs') : undefined;
  };
}

/**
 * A route observer. Each distinct container (bundle, args, env) is started once, on 127.0.0.1 with PORT and
 * METRICS_PORT 0, LOG_LEVEL info (for the `listening` line) and every `*_URL` variable that points off this
 * machine replaced by a refused loopback address, so nothing leaves the machine. A probe port is mapped to the
 * listener it belongs to through the container's env: METRICS_PORT (default from service-kit) or PORT.
 */
export function createRouteObserver(options: RouteObserverOptions): RouteObserver {
  const bundleFor = options.bundleFor ?? defaultBundleFor(options.repoRoot);
  const children = new Set<ChildProcess>();
  // Should the caller exit without close() (an uncaught error, process.exit), no app outlives it.
  const killAll = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  const apps = new Map<string, Promise<RunningApp>>();
  const start = (bundle: string, container: IContainer): Promise<RunningApp> => {
    const env: Record<string, string> = {};
    for (const variable of container.env ?? []) {
      if (variable.value !== undefined)
        env[variable.name] = offMachineUrlToLoopback(variable.name, variable.value);
    }
    Object.assign(env, {
      PORT: '0',
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      METRICS_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    });
    const key = JSON.stringify([bundle, container.args ?? [], env]);
    let app = apps.get(key);
    if (!app) {
      if (children.size === 0) process.once('exit', killAll);
      app = launch(bundle, container.args ?? [], env, options.startTimeoutMs ?? 15_000, children);
      apps.set(key, app);
    }
    return app;
  };
  return {
    async observe(templates, providers = [probeRequests]) {
      const skipped = new Set<string>();
      const pending: Promise<RouteObservation>[] = [];
      for (const template of templates) {
        for (const container of template.spec.containers) {
          const image = container.image ? imageName(container.image) : '';
          const bundle = bundleFor(image);
          const requests = providers.flatMap((provide) => provide(template, container));
          if (requests.length === 0) continue;
          if (!bundle || !existsSync(bundle)) {
            skipped.add(`${image}: no built bundle${bundle ? ` at ${bundle}` : ''} (build the app first)`);
            continue;
          }
          const app = start(bundle, container);
          for (const request of requests) {
            pending.push(
              app.then((running) =>
                ask(running, container, request, options.requestTimeoutMs ?? 5_000).then((result) => ({
                  owner: request.owner ?? describeObject(template.owner),
                  container: container.name,
                  use: request.use,
                  path: request.path,
                  port: request.port,
                  ...result,
                })),
              ),
            );
          }
        }
      }
      return { observations: await Promise.all(pending), skipped: [...skipped] };
    },
    async close() {
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
      children.clear();
      apps.clear();
      process.removeListener('exit', killAll);
    },
  };
}

async function ask(
  app: RunningApp,
  container: IContainer,
  request: RouteRequest,
  timeoutMs: number,
): Promise<{ status?: number; error?: string }> {
  if (app.error) return { error: app.error };
  const containerPort = findContainerPort(container, request.port);
  if (containerPort === undefined) return { error: 'not a container port (see port-references)' };
  let port: number | undefined;
  if (containerPort === serviceEnvNumber(container, 'METRICS_PORT')) port = app.metricsPort;
  else if (envValue(container, 'PORT') !== undefined && containerPort === Number(envValue(container, 'PORT')))
    port = app.port;
  else
    return {
      error: `container port ${containerPort} is neither the app's PORT nor its METRICS_PORT (set them in env)`,
    };
  if (port === undefined)
    return { error: `the app reported no listener for container port ${containerPort}` };
  try {
    const response = await fetch(`http://127.0.0.1:${port}${request.path}`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    return { status: response.status };
  } catch (error) {
    return { error: `request failed: ${(error as Error).message}` };
  }
}

function launch(
  bundle: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
  children: Set<ChildProcess>,
): Promise<RunningApp> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle, ...args], {
      env: { ...env, PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const timer = setTimeout(
      () => resolve({ error: `no "listening" log line within ${timeoutMs} ms` }),
      timeoutMs,
    );
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        const record = JSON.parse(line) as { msg?: string; port?: number; metricsPort?: number };
        if (record.msg === 'listening') {
          clearTimeout(timer);
          resolve({ port: record.port, metricsPort: record.metricsPort });
        }
      } catch {
        // Not a JSON log line; apps only log JSON, but a stray line must not stop the reading.
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({
        error: `the app exited (${code}) before listening: ${stderr.trim().split('\n').pop() ?? ''}`,
      });
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ error: `the app could not start: ${error.message}` });
    });
  });
}

/** The loopback address given to URLs that point off this machine: port 9 (discard) refuses at once. */
const REFUSED_URL = 'http://127.0.0.1:9';

function offMachineUrlToLoopback(name: string, value: string): string {
  if (!name.endsWith('_URL')) return value;
  try {
    const url = new URL(value);
    if (['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return value;
    return `${REFUSED_URL}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return value;
  }
}
