import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, ServiceConfigProperties } from './load-config';

const Schema = Type.Object({
  ...ServiceConfigProperties,
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 5000 }),
});

describe('loadConfig', () => {
  it('applies defaults and coerces numbers', () => {
    const config = loadConfig(Schema, { PORT: '8080' });
    expect(config).toMatchObject({ HOST: '0.0.0.0', PORT: 8080, METRICS_PORT: 9464, LOG_LEVEL: 'info' });
    expect(config.KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
  });

  it.each([
    [{ PORT: 'abc' }, /^Invalid configuration: PORT must be integer \(got "abc"\)$/],
    [{ PORT: '70000' }, /PORT must be <= 65535 \(got "70000"\)/],
    [
      { LOG_LEVEL: 'loud' },
      /LOG_LEVEL must be equal to one of the allowed values \(fatal, .*\) \(got "loud"\)/,
    ],
    [{ SHUTDOWN_DELAY_MS: '-1' }, /SHUTDOWN_DELAY_MS must be >= 0/],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(Schema, env)).toThrow(ConfigError);
    expect(() => loadConfig(Schema, env)).toThrow(message);
  });

  it('applies the server limits in seconds and refuses a request timeout below the headers timeout', () => {
    expect(loadConfig(Schema, {})).toMatchObject({
      HEADERS_TIMEOUT_MS: 5_000,
      REQUEST_TIMEOUT_MS: 10_000,
      MAX_CONNECTIONS: 1_024,
    });
    expect(() => loadConfig(Schema, { HEADERS_TIMEOUT_MS: '3000', REQUEST_TIMEOUT_MS: '2000' })).toThrow(
      /^Invalid configuration: REQUEST_TIMEOUT_MS must be >= HEADERS_TIMEOUT_MS \(got 2000 < 3000\)$/,
    );
    expect(() => loadConfig(Schema, { MAX_CONNECTIONS: '0' })).toThrow(/MAX_CONNECTIONS must be >= 1/);
  });

  it('never reads process.env when an env object is given', () => {
    process.env['PORT'] = 'not-a-number';
    try {
      expect(loadConfig(Schema, {}).PORT).toBe(5000);
    } finally {
      delete process.env['PORT'];
    }
  });
});
