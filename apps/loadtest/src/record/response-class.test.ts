import { describe, expect, it } from 'vitest';
import { CLASS, classOfError, classOfStatus, isEnvoyLocalDenial, OUTCOME, outcomeOf } from './response-class';

const error = (code: string, cause?: unknown) => Object.assign(new Error(code), { code, cause });

describe('response classes', () => {
  it.each([
    [200, CLASS['2xx']],
    [304, CLASS['3xx']],
    [403, CLASS['4xx']],
    [503, CLASS['5xx']],
  ])('status %i', (status, klass) => expect(classOfStatus(status)).toBe(klass));

  it.each([
    [error('ECONNREFUSED'), CLASS.refused],
    [error('UND_ERR_SOCKET', error('ECONNRESET')), CLASS.reset],
    [error('ECONNRESET'), CLASS.reset],
    [error('UND_ERR_CONNECT_TIMEOUT'), CLASS.timeout],
    [error('LOADTEST_TIMEOUT'), CLASS.timeout],
    [error('ENOTFOUND'), CLASS.error],
    [new Error('no code'), CLASS.error],
  ])('error %s', (value, klass) => expect(classOfError(value)).toBe(klass));

  it("recognises an Envoy sidecar's own refusals: connect failure replies and the BlackHoleCluster's empty 502", () => {
    const body =
      'upstream connect error or disconnect/reset before headers. reset reason: connection timeout';
    expect(isEnvoyLocalDenial(503, body)).toBe(true);
    expect(isEnvoyLocalDenial(502, '')).toBe(true);
    expect(isEnvoyLocalDenial(503, 'no healthy upstream')).toBe(false);
    expect(isEnvoyLocalDenial(502, '{"statusCode":502,"error":"Bad Gateway"}')).toBe(false);
    expect(isEnvoyLocalDenial(503, '')).toBe(false);
    expect(isEnvoyLocalDenial(200, body)).toBe(false);
  });
});

describe('outcomeOf', () => {
  it.each([
    // ordinary scenarios
    [false, CLASS['2xx'], 200, false, OUTCOME.ok],
    [false, CLASS['3xx'], 302, false, OUTCOME.ok],
    [false, CLASS['4xx'], 404, false, OUTCOME.failed],
    [false, CLASS.refused, 0, false, OUTCOME.failed],
    // unauthorized scenarios: blocked by refusal, reset, timeout, 403 or an Envoy connect failure
    [true, CLASS.refused, 0, false, OUTCOME.blocked],
    [true, CLASS.reset, 0, false, OUTCOME.blocked],
    [true, CLASS.timeout, 0, false, OUTCOME.blocked],
    [true, CLASS['4xx'], 403, false, OUTCOME.blocked],
    [true, CLASS['5xx'], 503, true, OUTCOME.blocked],
    // leaked on any 2xx
    [true, CLASS['2xx'], 200, false, OUTCOME.leaked],
    [true, CLASS['2xx'], 204, false, OUTCOME.leaked],
    // neither proves anything
    [true, CLASS['4xx'], 404, false, OUTCOME.inconclusive],
    [true, CLASS['5xx'], 503, false, OUTCOME.inconclusive],
    [true, CLASS.error, 0, false, OUTCOME.inconclusive],
  ])('unauthorized=%s class=%i status=%i envoy=%s', (unauthorized, klass, status, envoy, outcome) => {
    expect(outcomeOf(unauthorized, klass, status, [403], envoy)).toBe(outcome);
  });

  it('takes the blocked statuses from the scenario', () => {
    expect(outcomeOf(true, CLASS['5xx'], 503, [403, 503], false)).toBe(OUTCOME.blocked);
  });
});
