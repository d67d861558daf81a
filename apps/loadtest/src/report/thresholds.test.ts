import { describe, expect, it } from 'vitest';
import type { RunReport } from './build-report';
import { evaluateThresholds, parseThreshold, withDefaultThresholds } from './thresholds';

describe('parseThreshold', () => {
  it.each([
    ['p99<250ms', { metric: 'p99', operator: '<', limit: 250 }],
    ['p(99) < 0.25s', { metric: 'p99', operator: '<', limit: 250 }],
    ['p99.9<=500', { metric: 'p99.9', operator: '<=', limit: 500 }],
    ['avg<800us', { metric: 'mean', operator: '<', limit: 0.8 }],
    ['errors<1%', { metric: 'errors', operator: '<', limit: 0.01 }],
    ['errors<0.05', { metric: 'errors', operator: '<', limit: 0.05 }],
    ['dropped==0', { metric: 'dropped', operator: '==', limit: 0 }],
    ['leaked==0', { metric: 'leaked', operator: '==', limit: 0 }],
    ['rate>=990', { metric: 'rate', operator: '>=', limit: 990 }],
  ])('reads %s', (expression, expected) => {
    expect(parseThreshold(expression)).toMatchObject(expected);
  });

  it.each([
    ['p99', 'expected METRIC OP VALUE'],
    ['p99<fast', 'expected METRIC OP VALUE'],
    ['p42<10ms', 'unknown metric "p42"'],
    ['p99<5%', 'p99 is a time'],
    ['errors<5ms', 'errors is a ratio'],
    ['rate>5%', 'rate takes a plain number'],
    ['errors<200%', 'errors is a share of requests, at most 100%'],
    ['dropped<=1.5', 'dropped is a share of requests, at most 100%'],
    ['errors>100%', 'errors is never above 100%'],
    ['errors<0%', 'errors is never below 0'],
    ['p99<0ms', 'p99 is never below 0'],
    ['mean<-1', 'mean is never negative'],
    ['leaked<0.5', 'leaked is a whole count'],
  ])('refuses %s, naming the problem', (expression, message) => {
    expect(() => parseThreshold(expression)).toThrow(message);
    expect(() => parseThreshold(expression)).toThrow(`--threshold "${expression}"`);
  });
});

describe('withDefaultThresholds', () => {
  it('adds errors<1% when no threshold is on errors, and only then', () => {
    const p99 = parseThreshold('p99<250ms');
    expect(withDefaultThresholds([p99])).toEqual([
      p99,
      { expression: 'errors<1%', metric: 'errors', operator: '<', limit: 0.01, isDefault: true },
    ]);
    expect(withDefaultThresholds([])).toHaveLength(1);
    const own = parseThreshold('error_rate<=100%');
    expect(withDefaultThresholds([p99, own])).toEqual([p99, own]);
  });
});

describe('evaluateThresholds', () => {
  const report = {
    latencyMs: { count: 100, min: 1, mean: 20, p50: 10, p90: 40, p95: 60, p99: 300, 'p99.9': 500, max: 510 },
    requests: {
      scheduled: 200,
      sent: 190,
      dropped: 10,
      completed: 190,
      cancelled: 0,
      errors: 3,
      errorRate: 0.015,
    },
    rate: { target: 100, achieved: 95, ratio: 0.95, windowSeconds: 2 },
    unauthorized: { requests: 10, blocked: 9, leaked: 1, inconclusive: 0 },
  } as unknown as RunReport;

  it('compares each metric in its own unit and says which failed', () => {
    const results = evaluateThresholds(
      ['p99<250ms', 'p50<250ms', 'errors<1%', 'errors<2%', 'dropped<=5%', 'leaked==0', 'rate>=90'].map(
        parseThreshold,
      ),
      report,
    );
    expect(results.map((result) => [result.expression, result.actual, result.passed])).toEqual([
      ['p99<250ms', 300, false],
      ['p50<250ms', 10, true],
      ['errors<1%', 0.015, false],
      ['errors<2%', 0.015, true],
      ['dropped<=5%', 0.05, true],
      ['leaked==0', 1, false],
      ['rate>=90', 95, true],
    ]);
  });
});
