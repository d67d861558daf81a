import { ConfigError } from '@ztmesh/service-kit';
import { describe, expect, it } from 'vitest';
import { loadFrontendConfig } from './config';

describe('frontend config', () => {
  it('has the documented defaults', () => {
    expect(loadFrontendConfig({})).toMatchObject({
      PORT: 8080,
      HOST: '0.0.0.0',
      METRICS_PORT: 9464,
      BACKEND_URL: 'http://127.0.0.1:5000',
      UPSTREAM_TIMEOUT_MS: 10_000,
      UPSTREAM_CONNECT_TIMEOUT_MS: 1_000,
      UPSTREAM_CONNECTIONS: 128,
      UPSTREAM_KEEP_ALIVE_TIMEOUT_MS: 20_000,
      KEEP_ALIVE_TIMEOUT_MS: 65_000,
      SHUTDOWN_DELAY_MS: 5_000,
      SHUTDOWN_DRAIN_TIMEOUT_MS: 15_000,
      REQUEST_LOGGING: true,
      METRICS_ENABLED: true,
    });
  });

  it('accepts the in-cluster backend URL', () => {
    const url = 'http://backend.webapp.svc.cluster.local:5000';
    expect(loadFrontendConfig({ BACKEND_URL: url }).BACKEND_URL).toBe(url);
  });

  it.each([
    ['PORT', 'abc'],
    ['BACKEND_URL', 'backend:5000'],
    ['BACKEND_URL', 'http://backend:5000/api'],
    ['UPSTREAM_TIMEOUT_MS', '0'],
    ['UPSTREAM_CONNECTIONS', 'many'],
  ])('rejects %s=%s with one line naming the variable', (name, value) => {
    expect(() => loadFrontendConfig({ [name]: value })).toThrow(ConfigError);
    try {
      loadFrontendConfig({ [name]: value });
    } catch (error) {
      expect((error as Error).message).toContain(name);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});
