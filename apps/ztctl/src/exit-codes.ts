/** ztctl's exit codes: scripts and CI rely on them. */
export const EXIT = {
  /** The manifests match the flow graph (or plain analysis succeeded). */
  ok: 0,
  /** Drift: an undeclared flow is allowed, a declared flow is blocked, or a probe gets through. */
  drift: 1,
  /** Bad input: invalid YAML, unknown kind, malformed selector, port out of range, bad flags. */
  badInput: 2,
} as const;

/** A usage or input problem: printed as one line and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
