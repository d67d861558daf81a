import { spawnBundle, type BundleProcess, type SpawnBundleOptions } from './spawn-bundle';

/** What every started server bundle gets unless `env` says otherwise: loopback, ephemeral ports, no delay. */
export const LOOPBACK_BUNDLE_ENV: Readonly<Record<string, string>> = {
  HOST: '127.0.0.1',
  METRICS_HOST: '127.0.0.1',
  PORT: '0',
  METRICS_PORT: '0',
  SHUTDOWN_DELAY_MS: '0',
  LOG_LEVEL: 'info',
};

/** Options of startBundle: spawnBundle's, and how long the bundle may take to log `listening`. */
export interface StartBundleOptions extends SpawnBundleOptions {
  /** Default 15 s: CPU is shared while tests run. */
  readonly listenTimeoutMs?: number;
}

/** A server bundle that has logged `listening`, with the ports it reported. */
export interface RunningBundle extends BundleProcess {
  readonly port: number;
  readonly metricsPort: number;
}

/**
 * Starts `dist/apps/<app>/main.cjs` with LOOPBACK_BUNDLE_ENV under `env` and resolves once it logged
 * `listening` with its ports. Rejects (the process killed) if it exits first or takes longer than
 * `listenTimeoutMs`, with its stderr in the message.
 */
export async function startBundle(app: string, options: StartBundleOptions = {}): Promise<RunningBundle> {
  const started = spawnBundle(app, { ...options, env: { ...LOOPBACK_BUNDLE_ENV, ...options.env } });
  const timeoutMs = options.listenTimeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void started.exited.then(() => (gone = true));
  for (;;) {
    const listening = started.logs.find((line) => line.msg === 'listening');
    if (listening) {
      return { ...started, port: Number(listening['port']), metricsPort: Number(listening['metricsPort']) };
    }
    if (gone) {
      const { code } = await started.exited;
      throw new Error(`${app} exited with ${code} before listening; stderr: ${started.stderr()}`);
    }
    if (Date.now() > deadline) {
      started.kill();
      throw new Error(`${app} did not log "listening" within ${timeoutMs} ms; stderr: ${started.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
