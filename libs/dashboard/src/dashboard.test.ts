import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_FILE, renderDashboard } from './dashboard-file';
import { metricNamesIn, panelQueries, substituteGrafanaVariables, unknownMetrics } from './panel-queries';

describe('the committed dashboard JSON', () => {
  it('is what the TypeScript source generates (run `npx nx run dashboard:generate` after a change)', () => {
    expect(readFileSync(DASHBOARD_FILE, 'utf8')).toBe(renderDashboard());
  });

  it('has a Prometheus query in every panel, each from the datasource variable', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as {
      panels: { type: string; title: string; targets?: { datasource?: { uid?: string } }[] }[];
    };
    const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(10);
    for (const panel of panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? [])
        expect(target.datasource?.uid, panel.title).toBe('${datasource}');
    }
  });
});

describe('metricNamesIn', () => {
  it.each([
    [
      'sum by (app, route) (rate(http_request_duration_seconds_count{app="x"}[5m]))',
      ['http_request_duration_seconds_count'],
    ],
    [
      'histogram_quantile(0.99, sum by (scenario, le) (rate(loadtest_request_duration_seconds_bucket[4s])))',
      ['loadtest_request_duration_seconds_bucket'],
    ],
    ['sum by (outcome) (loadtest_requests_total{outcome=~"blocked|leaked"})', ['loadtest_requests_total']],
    ['sum(a_total) / on (pod) group_left sum(b_total) or vector(0)', ['a_total', 'b_total']],
    ['up{job="sum"} and bool other_metric offset 5m', ['up', 'other_metric']],
  ])('%s reads %j', (expr, names) => {
    expect(metricNamesIn(expr).sort()).toEqual([...names].sort());
  });
});

describe('unknownMetrics', () => {
  const exported = new Set(['loadtest_requests_total', 'http_request_duration_seconds_bucket']);

  it('names the panel and the metric a query reads that nothing exports', () => {
    const queries = [
      { panel: 'ok', refId: 'A', expr: 'sum(rate(loadtest_requests_total[1m]))' },
      { panel: 'invented', refId: 'A', expr: 'sum(rate(loadtest_blocked_total[1m]))' },
    ];
    expect(unknownMetrics(queries, exported)).toEqual([
      { panel: 'invented', metric: 'loadtest_blocked_total' },
    ]);
  });

  it('finds nothing unknown in queries that read only exported metrics', () => {
    const queries = [
      {
        panel: 'p',
        refId: 'A',
        expr: 'histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))',
      },
    ];
    expect(unknownMetrics(queries, exported)).toEqual([]);
  });
});

describe('panelQueries and substituteGrafanaVariables', () => {
  it('reads nested panels and replaces the interval variables', () => {
    const queries = panelQueries({
      panels: [
        { title: 'a', targets: [{ refId: 'A', expr: 'rate(x_total[$__rate_interval])' }] },
        {
          title: 'row',
          panels: [{ title: 'b', targets: [{ refId: 'B', expr: 'increase(y_total[$__range])' }] }],
        },
      ],
    });
    expect(queries.map((query) => substituteGrafanaVariables(query.expr, 1, 30))).toEqual([
      'rate(x_total[4s])',
      'increase(y_total[30s])',
    ]);
  });
});
