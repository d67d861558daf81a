import { type CrossCheck, findingOf } from './cross-check';
import { PROBE_FIELDS } from './port-references';

/**
 * Every probe path (and the prometheus.io/path scrape path) is a route the app really serves on that port and
 * answers with a status kubelet counts as success (200-399), as observed by starting the app's own bundle.
 */
export const probeRoutesCheck: CrossCheck = {
  name: 'probe-routes',
  description: "every probe and scrape path is served by the app's own bundle on that port (status 200-399)",
  run(context) {
    const uses: readonly string[] = [...PROBE_FIELDS, 'prometheus.io/path'];
    return (context.routes ?? [])
      .filter((route) => uses.includes(route.use))
      .flatMap((route) => {
        const where = `container ${route.container}: ${route.use} GET ${route.path} on port ${JSON.stringify(route.port)}`;
        if (route.status === undefined) {
          return [findingOf(this.name, context, route.owner, `${where}: ${route.error ?? 'no answer'}`)];
        }
        if (route.status >= 200 && route.status < 400) return [];
        const reason = route.status === 404 ? 'not a route the app serves' : 'the probe would fail';
        return [findingOf(this.name, context, route.owner, `${where} answered ${route.status}: ${reason}`)];
      });
  },
};
