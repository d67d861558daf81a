import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RenderedObject } from '../rendered-object';
import { appFixture, pick, type Loose } from '../testing/fixtures';
import { createCoreSchemaValidator } from './core-schema-validator';
import { createCrdSchemaValidator, loadCrdSchemas } from './crd-schema-validator';
import { makeStrictSchema } from './make-strict-schema';
import { createSkaffoldSchemaValidator } from './skaffold-schema-validator';

const SCHEMAS_DIR = join(__dirname, '..', '..', '..', '..', '..', 'shared', 'schemas');
const haveSchemas = existsSync(SCHEMAS_DIR);
if (!haveSchemas) console.warn(`SKIPPED upstream schema tests: ${SCHEMAS_DIR} does not exist`);

describe('makeStrictSchema', () => {
  it.each([
    ['an object listing properties', { type: 'object', properties: { a: { type: 'string' } } }, false],
    [
      'an object preserving unknown fields',
      { properties: { a: {} }, 'x-kubernetes-preserve-unknown-fields': true },
      undefined,
    ],
    [
      'an object that sets additionalProperties itself',
      { properties: { a: {} }, additionalProperties: true },
      true,
    ],
    [
      'a map (no properties)',
      { type: 'object', additionalProperties: { type: 'string' } },
      { type: 'string' },
    ],
  ])('%s', (_name, schema, expected) => {
    expect(makeStrictSchema(schema).additionalProperties).toEqual(expected);
  });

  it('recurses into properties, items and combinators, not into a property named "properties"', () => {
    const strict = makeStrictSchema({
      properties: {
        properties: { type: 'object', properties: { x: {} } },
        list: { items: { properties: { y: {} } } },
        either: { oneOf: [{ properties: { z: {} } }] },
      },
    }) as Loose;
    expect(strict.properties.properties.additionalProperties).toBe(false);
    expect(strict.properties.list.items.additionalProperties).toBe(false);
    expect(strict.properties.either.oneOf[0].additionalProperties).toBe(false);
  });
});

describe('core schema validator (kubernetes-models, strict fields)', () => {
  const core = createCoreSchemaValidator();

  it('accepts every object of the good fixture', () => {
    for (const object of appFixture()) expect(core.problems(object), object.kind).toEqual([]);
  });

  it.each<[string, (objects: RenderedObject[]) => void, RegExp]>([
    [
      'a wrongly typed field',
      (o) => void (pick(o, 'Deployment').spec.replicas = 'two'),
      /\/spec\/replicas: must be integer/,
    ],
    [
      'an unknown field',
      (o) => void (pick(o, 'Deployment').spec.template.spec.containers[0].portz = []),
      /containers\/0\/portz: unknown field/,
    ],
    [
      'an unknown metadata field',
      (o) => void (pick(o, 'Service').metadata.label = {}),
      /\/metadata\/label: unknown field/,
    ],
    [
      'a value outside an enum-like type',
      (o) => void (pick(o, 'Service').spec.ports[0].port = 'http'),
      /\/spec\/ports\/0\/port/,
    ],
    [
      'a missing required field',
      (o) => void delete pick(o, 'Deployment').spec.selector,
      /\/spec\/selector: must have required property/,
    ],
  ])('rejects %s', (_name, breakIt, problem) => {
    const objects = appFixture();
    breakIt(objects);
    expect(objects.flatMap((object) => core.problems(object)).join('\n')).toMatch(problem);
  });

  it('knows core kinds and not custom ones', () => {
    expect(core.knows('apps/v1', 'Deployment')).toBe(true);
    expect(core.knows('networking.k8s.io/v1', 'NetworkPolicy')).toBe(true);
    expect(core.knows('security.istio.io/v1', 'AuthorizationPolicy')).toBe(false);
    expect(core.knows('apps/v1', 'Deploymnet')).toBe(false);
  });
});

describe.skipIf(!haveSchemas)('CRD schemas (Istio, Calico), strict', () => {
  const crd = createCrdSchemaValidator(haveSchemas ? loadCrdSchemas(SCHEMAS_DIR) : new Map());
  const authorizationPolicy = () => ({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'frontend-to-backend', namespace: 'webapp' },
    spec: {
      selector: { matchLabels: { app: 'backend' } },
      action: 'ALLOW',
      rules: [
        {
          from: [{ source: { principals: ['cluster.local/ns/webapp/sa/frontend'] } }],
          to: [{ operation: { methods: ['GET'], paths: ['/api/data'], ports: ['5000'] } }],
        },
      ],
    },
  });
  const calicoPolicy = () => ({
    apiVersion: 'projectcalico.org/v3',
    kind: 'NetworkPolicy',
    metadata: { name: 'backend-ingress', namespace: 'webapp' },
    spec: {
      selector: "app == 'backend'",
      types: ['Ingress'],
      ingress: [
        {
          action: 'Allow',
          protocol: 'TCP',
          source: {
            serviceAccounts: { names: ['frontend'] },
            namespaceSelector: "kubernetes.io/metadata.name == 'webapp'",
          },
          destination: { ports: [5000] },
        },
      ],
    },
  });

  it('loads the Istio and Calico kinds', () => {
    expect(crd.kinds).toEqual(
      expect.arrayContaining([
        'security.istio.io/v1/AuthorizationPolicy',
        'networking.istio.io/v1/DestinationRule',
        'projectcalico.org/v3/NetworkPolicy',
      ]),
    );
  });

  it.each([
    ['AuthorizationPolicy', authorizationPolicy],
    ['Calico NetworkPolicy', calicoPolicy],
  ])('accepts a valid %s', (_name, make) => {
    expect(crd.problems(make() as unknown as RenderedObject)).toEqual([]);
  });

  it.each<[string, () => Loose, RegExp]>([
    [
      'an unknown Istio field (upstream schema alone would accept it)',
      () => {
        const policy = authorizationPolicy();
        (policy.spec.rules[0] as Loose).form = [];
        return policy;
      },
      /\/spec\/rules\/0\/form: unknown field/,
    ],
    [
      'a bad Istio enum',
      () => ({ ...authorizationPolicy(), spec: { ...authorizationPolicy().spec, action: 'PERMIT' } }),
      /\/spec\/action: must be equal to one of the allowed values/,
    ],
    [
      'an unknown Calico field',
      () => {
        const policy = calicoPolicy();
        (policy.spec.ingress[0].source as Loose).serviceAccount = 'frontend';
        return policy;
      },
      /source\/serviceAccount: unknown field/,
    ],
    [
      'an unknown metadata field on a custom resource',
      () => ({ ...calicoPolicy(), metadata: { name: 'x', labelz: {} } }),
      /\/metadata\/labelz: unknown field/,
    ],
  ])('rejects %s', (_name, make, problem) => {
    expect(crd.problems(make() as RenderedObject).join('\n')).toMatch(problem);
  });
});

describe.skipIf(!haveSchemas)('Skaffold v4beta14 schema', () => {
  const validate = haveSchemas
    ? createSkaffoldSchemaValidator(join(SCHEMAS_DIR, 'skaffold-v4beta14.json'))
    : () => [];
  const config = () => ({
    apiVersion: 'skaffold/v4beta14',
    kind: 'Config',
    build: {
      local: { push: false },
      artifacts: [{ image: 'ztmesh/backend', docker: { dockerfile: 'apps/backend/Dockerfile' } }],
    },
    manifests: { kustomize: { paths: ['k8s/overlays/zero-trust'] } },
    deploy: { kubectl: {} },
  });

  it('accepts a valid config', () => {
    expect(validate(config())).toEqual([]);
  });

  it('rejects an unknown field', () => {
    const bad = config() as Loose;
    bad.build.local.pushh = false;
    expect(validate(bad).join('\n')).toMatch(/\/build\/local\/pushh: unknown field/);
  });
});
