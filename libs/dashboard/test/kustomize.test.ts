// The observability kustomization through real kustomize (kubectl's): one ConfigMap in istio-system holding the
// committed dashboard JSON byte for byte, under the stable name scripts/cluster-up mounts into Grafana.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findKubectl, renderKustomization } from '@ztmesh/manifests';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DASHBOARD_FILE } from '../src/dashboard-file';

const kubectl = findKubectl();
if (!kubectl.available) console.warn(`SKIPPED dashboard/kustomize: ${kubectl.reason}`);

describe.skipIf(!kubectl.available)('observability/ rendered by kustomize', () => {
  it('is one labelled ConfigMap in istio-system with the generated dashboard', async () => {
    const rendered = await renderKustomization(join(__dirname, '../../../observability'));
    const objects = parseAllDocuments(rendered).map(
      (doc) =>
        doc.toJS() as {
          kind: string;
          metadata: { name: string; namespace: string; labels: Record<string, string> };
          data: Record<string, string>;
        },
    );
    expect(objects).toHaveLength(1);
    const [configMap] = objects;
    expect(configMap?.kind).toBe('ConfigMap');
    expect(configMap?.metadata.name).toBe('ztmesh-grafana-dashboards');
    expect(configMap?.metadata.namespace).toBe('istio-system');
    expect(configMap?.metadata.labels).toMatchObject({
      grafana_dashboard: '1',
      'app.kubernetes.io/part-of': 'ztmesh',
    });
    expect(configMap?.data['ztmesh.json']).toBe(readFileSync(DASHBOARD_FILE, 'utf8'));
  });
});
