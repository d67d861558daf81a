import { writeFileSync } from 'node:fs';
import { buildReport, withThresholds, type RunSettings } from '../report/build-report';
import { createProgress } from '../report/create-progress';
import { formatSummary } from '../report/format-summary';
import { evaluateThresholds, parseThreshold } from '../report/thresholds';
import { resolveScenarios } from '../scenarios/resolve-scenarios';
import type { ScenarioSpec } from '../scenarios/scenario-file-schema';
import { createLoadRun, type LoadModel } from '../scheduler/create-load-run';
import { UsageError } from '../usage-error';
import { findUnreachable } from './check-reachable';
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
  const thresholds = (flags.threshold ?? []).map(parseThreshold);
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

  // First Ctrl-C: stop and print what was measured; a second one: leave at once.
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(EXIT.interrupted);
    run.interrupt();
  };
  process.on('SIGINT', onSigint);
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
  if (result.interrupted) return EXIT.interrupted;
  return report.passed ? EXIT.ok : EXIT.failed;
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}
