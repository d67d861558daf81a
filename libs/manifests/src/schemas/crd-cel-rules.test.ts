import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RenderedObject } from '../rendered-object';
import { createCrdCelChecker } from './crd-cel-rules';
import type { JsonSchema } from './make-strict-schema';
import { loadCrdSchemas } from './crd-schema-validator';
import { findUpstreamSchemas } from './upstream-schemas';

const object = (spec: Record<string, unknown>): RenderedObject =>
  ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec }) as RenderedObject;

/** A small CRD schema with rules of each shape the upstream CRDs use. */
const WIDGET: JsonSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      'x-kubernetes-validations': [
        { rule: '(has(self.selector) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1', message: 'one of' },
        { rule: 'self.replicas == oldSelf.replicas', message: 'immutable' },
      ],
      properties: {
        selector: { type: 'object', additionalProperties: { type: 'string' } },
        targetRefs: { type: 'array', items: { type: 'string' } },
        replicas: {
          type: 'integer',
          'x-kubernetes-validations': [{ rule: '0 < self && self <= 65535 && self % 2 == 1' }],
        },
        timeout: {
          type: 'string',
          'x-kubernetes-validations': [{ rule: "duration(self) >= duration('1ms')", message: 'duration' }],
        },
        ports: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { mode: { type: 'string' } } },
          'x-kubernetes-validations': [
            {
              rule: 'self.all(key, 0 < int(key) && int(key) <= 65535)',
              message: 'port',
              fieldPath: '.ports',
            },
          ],
        },
        url: { type: 'string', 'x-kubernetes-validations': [{ rule: 'url(self).getScheme() == "https"' }] },
        names: {
          type: 'array',
          items: {
            type: 'string',
            'x-kubernetes-validations': [
              { rule: 'self.size() != 0', messageExpression: "'empty name at ' + string(size(self))" },
            ],
          },
        },
      },
    },
  },
};

describe('createCrdCelChecker', () => {
  const checker = createCrdCelChecker(new Map([['example.com/v1/Widget', WIDGET]]));

  it('passes an object that keeps every rule, and skips transition rules (no oldSelf on create)', () => {
    expect(
      checker.check(
        object({ selector: { app: 'a' }, replicas: 3, timeout: '5s', ports: { '8080': {} }, names: ['x'] }),
      ),
    ).toEqual({ problems: [], unchecked: [] });
  });

  it.each([
    [{ selector: {}, targetRefs: ['x'] }, '.spec: one of'],
    [{ replicas: 4 }, '.spec.replicas: failed rule: 0 < self && self <= 65535 && self % 2 == 1'],
    [{ replicas: 70000 }, '.spec.replicas: failed rule: 0 < self && self <= 65535 && self % 2 == 1'],
    [{ timeout: '500us' }, '.spec.timeout: duration'],
    [{ ports: { '0': {} } }, '.spec.ports.ports: port'],
    [{ names: ['a', ''] }, '.spec.names[1]: empty name at 0'],
  ])('%j breaks a rule: %s', (spec, problem) => {
    expect(checker.check(object(spec))).toEqual({ problems: [problem], unchecked: [] });
  });

  it('reports a rule needing a CEL extension cel-js lacks as unchecked, not as passed or failed', () => {
    const verdict = checker.check(object({ url: 'http://x' }));
    expect(verdict.problems).toEqual([]);
    expect(verdict.unchecked).toEqual([
      expect.stringMatching(/^\.spec\.url: rule "url\(self\).*not evaluated offline \(.*url/),
    ]);
  });

  it("sees the root's metadata.name, as the API server exposes it", () => {
    const named = createCrdCelChecker(
      new Map([
        [
          'example.com/v1/Widget',
          {
            type: 'object',
            'x-kubernetes-validations': [{ rule: "self.metadata.name != 'default'", message: 'reserved' }],
          },
        ],
      ]),
    );
    expect(named.check(object({})).problems).toEqual([]);
    expect(named.check({ ...object({}), metadata: { name: 'default' } }).problems).toEqual([
      '<root>: reserved',
    ]);
  });

  it('does not look at kinds it has no schema for', () => {
    expect(checker.check({ ...object({}), kind: 'Gadget' })).toEqual({ problems: [], unchecked: [] });
  });
});

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const upstream = findUpstreamSchemas({ repoRoot: REPO_ROOT, env: process.env });
if (!upstream.dir)
  console.warn(`SKIPPED: the upstream CRDs' CEL rules: no schemas in ${upstream.looked.join(' or ')}`);

describe.skipIf(!upstream.dir)('the upstream CRDs', () => {
  it("refuses a PeerAuthentication with portLevelMtls and no selector by Istio's own rule", () => {
    const schemas = loadCrdSchemas(upstream.dir as string);
    expect(schemas.size).toBeGreaterThan(10);
    const checker = createCrdCelChecker(schemas);
    const verdict = checker.check({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'p', namespace: 'n' },
      spec: { portLevelMtls: { '8080': { mode: 'DISABLE' } } },
    } as unknown as RenderedObject);
    expect(verdict.problems).toEqual([expect.stringMatching(/^\.spec: portLevelMtls requires selector/)]);
  });
});
