import type { RouteObservation } from '../checks/cross-check';
import type { PodTemplate } from '../checks/pod-templates';
import type { RouteRequestProvider } from './route-requests';

/**
 * What validateRepo asks of the running apps. This lib never starts an app: whoever runs them (ztctl validate
 * starts the built bundles) passes one in.
 */
export interface RouteObserver {
  /**
   * Observations for every request `providers` derive from each container of `templates` (default: its HTTP
   * probes and scrape path); `skipped` says what was not observed and why.
   */
  observe(
    templates: readonly PodTemplate[],
    providers?: readonly RouteRequestProvider[],
  ): Promise<{ observations: RouteObservation[]; skipped: string[] }>;
  /** Stops every app started so far. */
  close(): Promise<void>;
}
