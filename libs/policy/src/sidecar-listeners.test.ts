import { describe, expect, it } from 'vitest';
import { SIDECAR_LISTEN_PORTS, SIDECAR_LISTENERS, SIDECAR_PORTS } from './sidecar-listeners';

describe('sidecar listeners: one table for the analyzer and the validator', () => {
  it("lists the sidecar's pod-address ports of Istio's port table, each once", () => {
    expect([...SIDECAR_LISTEN_PORTS].sort()).toEqual([15001, 15006, 15008, 15020, 15021, 15090]);
    expect(new Set(SIDECAR_LISTEN_PORTS).size).toBe(SIDECAR_LISTENERS.length);
  });

  it('serves metrics, health and Envoy stats outside mTLS, and those are listeners too', () => {
    expect(SIDECAR_PORTS).toEqual([15020, 15021, 15090]);
    for (const port of SIDECAR_PORTS) expect(SIDECAR_LISTEN_PORTS).toContain(port);
  });

  it('leaves the localhost-only admin, debug and DNS ports out', () => {
    for (const port of [15000, 15004, 15053]) expect(SIDECAR_LISTEN_PORTS).not.toContain(port);
  });
});
