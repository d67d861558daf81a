/** A port the injected Istio sidecar (Envoy and pilot-agent) listens on, on the pod's address. */
export interface SidecarListener {
  readonly port: number;
  readonly purpose: string;
  /**
   * Served by the proxy itself in plaintext, excluded from the inbound capture: neither mTLS nor
   * AuthorizationPolicy applies to it (the other listeners carry captured, mTLS traffic).
   */
  readonly servedOutsideMtls: boolean;
}

/**
 * The sidecar's listeners on the pod address, from Istio's "Ports used by Istio" (the localhost-only 15000 admin,
 * 15004 debug and 15053 DNS are left out: no other pod reaches them). The one list both the analyzer and the
 * validator read.
 */
export const SIDECAR_LISTENERS: readonly SidecarListener[] = [
  { port: 15001, purpose: 'Envoy outbound (captured egress)', servedOutsideMtls: false },
  { port: 15006, purpose: 'Envoy inbound (captured ingress)', servedOutsideMtls: false },
  { port: 15008, purpose: 'HBONE mTLS tunnel', servedOutsideMtls: false },
  { port: 15020, purpose: 'merged Prometheus metrics (agent, Envoy, app)', servedOutsideMtls: true },
  { port: 15021, purpose: 'health checks', servedOutsideMtls: true },
  { port: 15090, purpose: 'Envoy Prometheus stats', servedOutsideMtls: true },
];

/** Every port the sidecar listens on: a policy may allow these although no app container declares them. */
export const SIDECAR_LISTEN_PORTS: readonly number[] = SIDECAR_LISTENERS.map((listener) => listener.port);

/** Ports the Istio sidecar serves itself (merged metrics, health, Envoy stats): never intercepted, so neither mTLS nor AuthorizationPolicy applies. */
export const SIDECAR_PORTS: readonly number[] = SIDECAR_LISTENERS.filter(
  (listener) => listener.servedOutsideMtls,
).map((listener) => listener.port);
