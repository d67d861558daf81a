import { writeFileSync } from 'node:fs';
import { buildReport, withThresholds, type RunSettings } from '../report/build-report';
import { createProgress } from '../report/create-progress';
import { formatSummary } from '../report/format-summary';
import { evaluateThresholds, parseThreshold, withDefaultThresholds } from '../report/thresholds';
import { resolveScenarios } from '../scenarios/resolve-scenarios';
import type { ScenarioSpec } from '../scenarios/scenario-file-schema';
import { createLoadRun, type LoadModel } from '../run/create-load-run';
import { UsageError } from '../usage-error';
import { findUnreachable } from '../run/check-reachable';
import { EXIT } from './exit-codes';

/** The flags of `loadtest run`, as commander parsed them. */
export interface RunFlags {
  readonly rate: number | 'max';
  readonly duration?: number;
  readonly requests?: number;
  readonly rampUp?: number;
  readonly connections: number;
  readonly maxInFlight: number;
  readonly timeout: number;
  readonly model: LoadModel;
  readonly header?: [string, string][];
  readonly scenario?: ScenarioSpec[];
  readonly scenariosFile?: string;
  readonly unauthorized?: string;
  readonly unauthorizedShare?: number;
  readonly threshold?: string[];
  readonly json?: string | true;
  readonly progress: boolean;
  readonly preflight: boolean;
}

/** Default length of a run given neither --duration nor --requests. */
export const DEFAULT_DURATION_MS = 10_000;

/**
 * Upper bounds of the flags whose excess is a typo, not a plan: a run (or ramp) over a day, a timeout over an
 * hour, more connections than a host's ephemeral ports, more requests in flight than any run here needs.
 */
export const FLAG_LIMITS = {
  durationMs: 24 * 3_600_000,
  timeoutMs: 3_600_000,
  connections: 10_000,
  maxInFlight: 100_000,
  requests: 1_000_000_000,
} as const;

function checkBounds(flags: RunFlags): void {
  const over = (flag: string, value: number | undefined, limit: number, shown: string) => {
    if (value !== undefined && value > limit) {
      throw new UsageError(`${flag}: at most ${shown} (a larger value is almost certainly a typo)`);
    }
  };
  over('--duration', flags.duration, FLAG_LIMITS.durationMs, '24h');
  over('--ramp-up', flags.rampUp, FLAG_LIMITS.durationMs, '24h');
  over('--timeout', flags.timeout, FLAG_LIMITS.timeoutMs, '1h');
  over('--connections', flags.connections, FLAG_LIMITS.connections, '10000');
  over('--max-in-flight', flags.maxInFlight, FLAG_LIMITS.maxInFlight, '100000');
  over('--requests', flags.requests, FLAG_LIMITS.requests, '1000000000');
}

/** `loadtest run`: one load run from flags; returns the exit code. */
export async function runLoadCommand(target: string, flags: RunFlags): Promise<number> {
  // Loaded only for a scenario file: its YAML parser and JSON-schema validator cost every other run start-up time
  // (counted in the generator's CPU-seconds).
  const file = flags.scenariosFile
    ? {
        name: flags.scenariosFile,
        content: (await import('../scenarios/load-scenario-file')).loadScenarioFile(flags.scenariosFile),
      }
    : undefined;
  const scenarios = resolveScenarios({
    target,
    file,
    specs: flags.scenario,
    headers: Object.fromEntries(flags.header ?? []),
    unauthorizedUrl: flags.unauthorized,
    unauthorizedShare: flags.unauthorizedShare,
  });
  checkBounds(flags);
  const thresholds = withDefaultThresholds((flags.threshold ?? []).map(parseThreshold));
  if (flags.model === 'open' && flags.rate === 'max') {
    throw new UsageError(
      '--rate max needs --model closed: an open-model run needs a fixed rate to schedule against',
    );
  }
  if (flags.rampUp !== undefined && flags.model === 'closed') {
    throw new UsageError('--ramp-up applies to the open model only');
  }
  const durationMs = flags.duration ?? (flags.requests === undefined ? DEFAULT_DURATION_MS : undefined);
  if (flags.rampUp !== undefined && durationMs !== undefined && flags.rampUp > durationMs) {
    throw new UsageError(`--ramp-up (${flags.rampUp} ms) is longer than --duration (${durationMs} ms)`);
  }

  if (flags.preflight) {
    const problem = await findUnreachable(scenarios, Math.min(flags.timeout, 5000));
    if (problem) {
      process.stderr.write(
        `loadtest: cannot reach ${problem.scenario.origin} (target of scenario "${problem.scenario.name}"): ${problem.reason}\n`,
      );
      return EXIT.unreachable;
    }
  }

  const rate = flags.rate === 'max' ? undefined : flags.rate;
  const settings: RunSettings = {
    model: flags.model,
    rate: rate ?? null,
    durationMs: durationMs ?? null,
    requests: flags.requests ?? null,
    rampUpMs: flags.rampUp ?? 0,
    connections: flags.connections,
    maxInFlight: flags.maxInFlight,
    timeoutMs: flags.timeout,
  };
  const run = createLoadRun({
    scenarios,
    model: flags.model,
    ratePerSecond: rate,
    durationMs,
    requests: flags.requests,
    rampUpMs: flags.rampUp,
    connections: flags.connections,
    maxInFlight: flags.maxInFlight,
    timeoutMs: flags.timeout,
  });

  // First Ctrl-C (or SIGTERM, as from a CI job's timeout or `kill`): stop and print what was measured; a second
  // signal: leave at once. The exit code says which signal it was (128 + its number).
  let interrupts = 0;
  let stoppedBy: number = EXIT.interrupted;
  const onSignal = (code: number) => () => {
    if (++interrupts > 1) process.exit(code);
    stoppedBy = code;
    run.interrupt();
  };
  const onSigint = onSignal(EXIT.interrupted);
  const onSigterm = onSignal(EXIT.terminated);
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  const expectedMs =
    durationMs ??
    (rate && flags.requests ? (flags.requests / rate) * 1000 + (flags.rampUp ?? 0) / 2 : Infinity);
  const progress = flags.progress
    ? createProgress({ run, stream: process.stderr, expectedMs, targetRate: rate ?? null })
    : { stop: () => undefined };
  let result;
  try {
    result = await run.run();
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }

  const base = buildReport(settings, scenarios, run.recorder, result);
  const report = withThresholds(base, evaluateThresholds(thresholds, base));
  const jsonToStdout = flags.json === true || flags.json === '-';
  if (flags.json !== undefined) {
    const text = `${JSON.stringify(report, null, 2)}\n`;
    if (jsonToStdout) await write(process.stdout, text);
    else writeFileSync(flags.json as string, text);
  }
  await write(jsonToStdout ? process.stderr : process.stdout, formatSummary(report));
  if (result.interrupted) return stoppedBy;
  return report.passed ? EXIT.ok : EXIT.failed;
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}
