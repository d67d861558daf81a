import { inject } from 'vitest';

/** What the global setup hands to the suites: a running control plane, or why there is none. */
export type ProvidedControlPlane =
  | {
      readonly kubeconfig: string;
      readonly stateDir: string;
      /** How many CRD files were installed (0: the Istio and Calico schemas were absent). */
      readonly crdFiles: number;
      /** Where the installed CRDs were read (scripts/control-plane's crdSourceDir). */
      readonly crdDir: string;
      /** Whether kube-controller-manager runs (setup-envtest binaries have none). */
      readonly controllerManager: boolean;
      readonly skipped?: undefined;
    }
  | { readonly skipped: string };

declare module 'vitest' {
  export interface ProvidedContext {
    controlPlane: ProvidedControlPlane;
  }
}

/** The run's control plane (from control-plane-global-setup), or `{ skipped }` with the reason there is none. */
export function useControlPlane(): ProvidedControlPlane {
  return inject('controlPlane');
}
