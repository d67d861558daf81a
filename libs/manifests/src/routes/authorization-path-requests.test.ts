import { describe, expect, it } from 'vitest';
import { podTemplates } from '../checks/pod-templates';
import type { RenderedObject } from '../rendered-object';
import { appFixture, type Loose } from '../testing/fixtures';
import { authorizationPathRequests } from './authorization-path-requests';

function policy(spec: Loose, namespace = 'webapp'): RenderedObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'p', namespace },
    spec,
  };
}

const selector = { matchLabels: { app: 'backend' } };

describe('authorizationPathRequests', () => {
  it.each<[string, RenderedObject, string[]]>([
    [
      'exact GET paths on the named port, not wildcards',
      policy({
        selector,
        rules: [
          { to: [{ operation: { methods: ['GET'], paths: ['/api/data', '/api/*'], ports: ['5000'] } }] },
        ],
      }),
      ['/api/data@5000'],
    ],
    [
      'every non-metrics container port when the policy names none',
      policy({ selector, rules: [{ to: [{ operation: { paths: ['/'] } }] }] }),
      ['/@5000'],
    ],
    [
      'nothing for POST-only operations',
      policy({ selector, rules: [{ to: [{ operation: { methods: ['POST'], paths: ['/x'] } }] }] }),
      [],
    ],
    [
      'nothing for DENY policies',
      policy({ action: 'DENY', selector, rules: [{ to: [{ operation: { paths: ['/x'] } }] }] }),
      [],
    ],
    [
      'nothing for other workloads',
      policy({
        selector: { matchLabels: { app: 'frontend' } },
        rules: [{ to: [{ operation: { paths: ['/x'] } }] }],
      }),
      [],
    ],
    [
      'nothing for other namespaces',
      policy({ rules: [{ to: [{ operation: { paths: ['/x'] } }] }] }, 'other'),
      [],
    ],
    [
      'nothing for ports the container lacks',
      policy({ selector, rules: [{ to: [{ operation: { paths: ['/x'], ports: ['80'] } }] }] }),
      [],
    ],
  ])('%s', (_name, authorizationPolicy, expected) => {
    const objects = [...appFixture(), authorizationPolicy];
    const [template] = podTemplates(objects);
    const requests = authorizationPathRequests(objects)(template, template.spec.containers[0]);
    expect(requests.map((request) => `${request.path}@${request.port}`)).toEqual(expected);
    for (const request of requests) expect(request.owner).toBe('AuthorizationPolicy webapp/p');
  });
});
