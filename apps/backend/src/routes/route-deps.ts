/** What the backend's routes read from the world, injected so tests can pin it. */
export interface RouteDeps {
  readonly hostname: () => string;
  readonly now: () => Date;
}
