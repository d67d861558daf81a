import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../usage-error';
import { loadScenarioFile, parseScenarioFile } from './load-scenario-file';
import { parseScenarioFlag } from './parse-scenario-flag';
import { resolveScenarios } from './resolve-scenarios';

describe('scenario files', () => {
  it('reads YAML and JSON into the same scenarios', () => {
    const yaml = parseScenarioFile(
      'target: http://127.0.0.1:8080\nheaders: { X-Team: demo }\nscenarios:\n  - name: data\n    path: /api/data\n    weight: 70\n',
      'mix.yaml',
    );
    const json = parseScenarioFile(
      '{"target":"http://127.0.0.1:8080","headers":{"X-Team":"demo"},"scenarios":[{"name":"data","path":"/api/data","weight":70}]}',
      'mix.json',
    );
    expect(yaml).toEqual(json);
    expect(yaml.scenarios[0]).toEqual({ name: 'data', path: '/api/data', weight: 70 });
  });

  it.each([
    [
      'scenarios:\n  - name: a\n    path: /\n    weight: -1\n',
      'invalid scenario file bad.yaml:4: scenarios[0].weight must be > 0',
    ],
    ['scenarios:\n  - name: a\n    pth: /x\n', 'bad.yaml:3: scenarios[0].pth is not a known field'],
    ['scenarios:\n  - name: a\n    path: /\n    method: FETCH\n', 'scenarios[0].method must be one of GET'],
    ['scenarios:\n  - name: a b\n    path: /\n', 'bad.yaml:2: scenarios[0].name must be 1 to 64 letters'],
    ['scenarios: []\n', 'scenarios must NOT have fewer than 1 items'],
    ['target: x\n', 'bad.yaml:1: scenarios is required'],
    ['scenarios: [\n', 'invalid scenario file bad.yaml:2:1:'],
    [
      '{"scenarios": [{"name": "a", "path": "/", "weight": "x"}]}',
      'bad.yaml:1: scenarios[0].weight must be number',
    ],
  ])('names the file, line and field of a problem (%#)', (text, message) => {
    expect(() => parseScenarioFile(text, 'bad.yaml')).toThrow(UsageError);
    expect(() => parseScenarioFile(text, 'bad.yaml')).toThrow(message);
  });

  it('names a file it cannot read', () => {
    const directory = mkdtempSync(join(tmpdir(), 'loadtest-'));
    expect(() => loadScenarioFile(join(directory, 'missing.yaml'))).toThrow(
      /cannot read scenario file .*missing\.yaml: no such file/,
    );
    const file = join(directory, 'ok.yaml');
    writeFileSync(file, 'scenarios:\n  - { name: a, url: "http://127.0.0.1:1/x" }\n');
    expect(loadScenarioFile(file).scenarios).toHaveLength(1);
    rmSync(directory, { recursive: true, force: true });
  });
});

describe('parseScenarioFlag', () => {
  it('reads name, path or url, weight, method, unauthorized and blocked statuses', () => {
    expect(parseScenarioFlag('name=data,path=/api/data,weight=70,method=post')).toEqual({
      name: 'data',
      path: '/api/data',
      weight: 70,
      method: 'POST',
    });
    expect(
      parseScenarioFlag('name=direct,url=http://127.0.0.1:5000/api/data,unauthorized,blocked=403/503'),
    ).toEqual({
      name: 'direct',
      url: 'http://127.0.0.1:5000/api/data',
      unauthorized: true,
      blockedStatuses: [403, 503],
    });
  });

  it.each([
    ['name=a,path=/,weight=0', 'weight must be > 0'],
    ['name=a,path=/,weight=x', 'weight must be number'],
    ['name=a,path=/,colour=red', 'colour is not a known field'],
    ['path=/', 'name is required'],
  ])('refuses %s naming the field', (text, message) => {
    expect(() => parseScenarioFlag(text)).toThrow(`invalid --scenario "${text}": `);
    expect(() => parseScenarioFlag(text)).toThrow(message);
  });
});

describe('resolveScenarios', () => {
  it('defaults to the frontend mix 70/20/10 against the target', () => {
    const scenarios = resolveScenarios({ target: 'http://127.0.0.1:8080' });
    expect(scenarios.map((s) => [s.name, s.origin + s.path, s.weight])).toEqual([
      ['data', 'http://127.0.0.1:8080/api/backend/api/data', 70],
      ['health', 'http://127.0.0.1:8080/api/backend/health', 20],
      ['page', 'http://127.0.0.1:8080/', 10],
    ]);
  });

  it('adds the unauthorized scenario at its share of all requests, whatever the scale of the weights', () => {
    const scenarios = resolveScenarios({
      target: 'http://127.0.0.1:8080',
      specs: [{ name: 'a', path: '/a', weight: 3 }],
      unauthorizedUrl: 'http://127.0.0.1:5000/api/data',
      unauthorizedShare: 0.25,
      headers: { 'X-Team': 'demo' },
    });
    const unauthorized = scenarios[1];
    expect(unauthorized).toMatchObject({ name: 'unauthorized', unauthorized: true, blockedStatuses: [403] });
    expect(unauthorized?.weight).toBeCloseTo(1);
    expect(scenarios[0]?.headers).toEqual({ 'x-team': 'demo' });
  });

  it.each([
    [{ specs: [{ name: 'a' }] }, '--scenario a: give exactly one of url or path'],
    [{ specs: [{ name: 'a', url: 'ftp://x/' }] }, 'must be an http or https URL'],
    [
      {
        specs: [
          { name: 'a', path: '/' },
          { name: 'a', path: '/b' },
        ],
      },
      'name "a" is used twice',
    ],
    [{ target: 'nope' }, '--target: "nope" is not an absolute URL'],
    [
      { unauthorizedUrl: 'http://x/', unauthorizedShare: 1 },
      'unauthorized share must be above 0 and below 1',
    ],
  ])('refuses bad input naming where it came from (%#)', (given, message) => {
    expect(() => resolveScenarios({ target: 'http://127.0.0.1:8080', ...given })).toThrow(message);
  });
});
