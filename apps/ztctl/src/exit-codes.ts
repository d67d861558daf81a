/** ztctl's exit codes: scripts and CI rely on them (main.ts's help lists them). */
export const EXIT = {
  /** The manifests match the flow graph, validation found nothing, the cluster passed (or plain output). */
  ok: 0,
  /**
   * The check failed: drift (an undeclared flow allowed, a declared one blocked, a probe through), validation
   * findings (or with --strict a skipped check), a failed posture check, no schemas found.
   */
  failed: 1,
  /** Bad input: invalid YAML, unknown kind, malformed selector, port out of range, bad flags, a cluster verify cannot reach. */
  badInput: 2,
  /** verify stopped by SIGINT (Ctrl-C), after deleting its probe pods (the shell's 128 + 2). */
  interrupted: 130,
  /** verify stopped by SIGTERM, after deleting its probe pods (the shell's 128 + 15). */
  terminated: 143,
} as const;

/** The signals verify stops on, and the exit code of a run each one stopped. */
export const SIGNAL_EXIT = { SIGINT: EXIT.interrupted, SIGTERM: EXIT.terminated } as const;

/** A signal verify stops on. */
export type StopSignal = keyof typeof SIGNAL_EXIT;

/** A usage or input problem: printed as one line and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
