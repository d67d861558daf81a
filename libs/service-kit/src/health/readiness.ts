/** Where a service is in its life: only `ready` receives traffic. */
export type ReadinessState = 'starting' | 'ready' | 'draining';

/** Readiness, kept apart from liveness: a draining process is alive but must get no new traffic. */
export interface Readiness {
  readonly state: ReadinessState;
  markReady(): void;
  markDraining(): void;
}

/** Creates a readiness state that starts in `starting`; draining is final. */
export function createReadiness(): Readiness {
  let state: ReadinessState = 'starting';
  return {
    get state() {
      return state;
    },
    markReady() {
      if (state === 'starting') state = 'ready';
    },
    markDraining() {
      state = 'draining';
    },
  };
}
