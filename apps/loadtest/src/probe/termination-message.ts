import { existsSync, writeFileSync } from 'node:fs';
import { UsageError } from '../usage-error';
import type { ProbeResult } from './run-probe';

/** Where the kubelet reads a container's termination message unless the pod says otherwise. */
export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';

/** The kubelet keeps at most this many bytes of a termination message (per container). */
export const TERMINATION_MESSAGE_LIMIT_BYTES = 4096;

/**
 * The verdict a probe pod leaves in `status.containerStatuses[].state.terminated.message`, read by
 * `ztctl verify` without log access. `verdict` is the policy view: `denied` is the probe's `blocked`.
 */
export interface ProbeVerdict {
  readonly target: string;
  readonly verdict: 'allowed' | 'denied' | 'inconclusive';
  readonly allowed: boolean;
  readonly status: number | null;
  readonly reason: string;
}

/** The verdict of one probe result, with a one-line human reason (status or connection error). */
export function toProbeVerdict(result: ProbeResult): ProbeVerdict {
  const verdict = result.outcome === 'blocked' ? 'denied' : result.outcome;
  const reason =
    result.status !== null
      ? verdict === 'denied'
        ? `HTTP ${result.status} (a blocked status)`
        : `HTTP ${result.status}`
      : (result.error ?? result.class);
  return { target: result.url, verdict, allowed: result.allowed, status: result.status, reason };
}

/** The verdict as one JSON line that fits the kubelet's limit (a long reason is cut, the JSON stays valid). */
export function formatTerminationMessage(verdict: ProbeVerdict): string {
  let reason = verdict.reason;
  for (;;) {
    const text = JSON.stringify({ ...verdict, reason });
    if (Buffer.byteLength(text) <= TERMINATION_MESSAGE_LIMIT_BYTES || reason.length === 0) return text;
    reason = reason.slice(0, Math.max(0, reason.length - (Buffer.byteLength(text) - 4000)));
  }
}

/**
 * The path to write to: the flag's value, else the kubelet's default path when it exists (in a pod), else none
 * (a probe run by hand on a workstation prints its JSON only).
 */
export function terminationMessagePath(flag: string | undefined): string | undefined {
  if (flag !== undefined) return flag;
  return existsSync(DEFAULT_TERMINATION_MESSAGE_PATH) ? DEFAULT_TERMINATION_MESSAGE_PATH : undefined;
}

/** Writes the verdict; a path that cannot be written is a usage error naming the flag and the path. */
export function writeTerminationMessage(path: string, verdict: ProbeVerdict): void {
  try {
    writeFileSync(path, formatTerminationMessage(verdict));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`--termination-message ${path}: cannot write the verdict (${code})`);
  }
}
