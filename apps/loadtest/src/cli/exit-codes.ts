/** Exit codes of the CLI (documented in apps/loadtest/README.md). */
export const EXIT = {
  /** The run finished, every threshold passed and nothing unauthorized got through (probe: allowed). */
  ok: 0,
  /** A threshold failed or an unauthorized request leaked (probe: blocked). */
  failed: 1,
  /** Bad flags, values or scenario file. */
  usage: 2,
  /** An ordinary target could not be connected to before the run (probe: inconclusive). */
  unreachable: 3,
  /** Stopped by SIGINT (Ctrl-C); the partial summary was printed. */
  interrupted: 130,
  /** Stopped by SIGTERM; the partial summary was printed, as for SIGINT. */
  terminated: 143,
} as const;
