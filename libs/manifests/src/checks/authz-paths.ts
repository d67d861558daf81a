import { type CrossCheck, findingOf } from './cross-check';

/** The `use` of route observations made for AuthorizationPolicy paths (see authorizationPathRequests). */
export const AUTHORIZATION_PATH_USE = 'AuthorizationPolicy path';

/**
 * Every exact path an ALLOW AuthorizationPolicy grants (for GET or HEAD) is a route the selected app serves on
 * that port, as observed by starting the app's own bundle: an allowed path the app answers with 404 is either a
 * typo that blocks a real route, or a hole waiting for a route to appear.
 */
export const authorizationPathsCheck: CrossCheck = {
  name: 'authz-paths',
  description: 'every path an AuthorizationPolicy allows is a route the selected app serves',
  run(context) {
    return (context.routes ?? [])
      .filter((route) => route.use === AUTHORIZATION_PATH_USE && route.status === 404)
      .map((route) =>
        findingOf(
          this.name,
          context,
          route.owner,
          `allows GET ${route.path} on port ${JSON.stringify(route.port)}, which container ${route.container} does not serve (404)`,
        ),
      );
  },
};
