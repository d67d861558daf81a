import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strictManifestObjects, type RenderedObject } from '@ztmesh/manifests';
import { describeObject } from '@ztmesh/policy';
import { REPO_ROOT, runCommand, useControlPlane } from '@ztmesh/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, renderedObjects, serverUnderTest } from './testing/server';

// skaffold.yaml driven by the real Skaffold CLI (tools/skaffold builds it): `skaffold render` of each profile
// equals the overlay's kustomize render with the images tagged, and `skaffold deploy --images` (images tagged
// beforehand: no build, no registry) of each deploying profile, pre-deploy hook included, lands every object in
// the loopback control plane. No kubelet runs the pods, so Skaffold's status check is off (`--status-check=false`).
const server = serverUnderTest();
const BUILD = join(REPO_ROOT, 'tools', 'skaffold', 'build');
const SKAFFOLD = spawnSync(BUILD, ['--path'], { encoding: 'utf8' }).stdout.trim();
const missing = existsSync(SKAFFOLD)
  ? undefined
  : `no Skaffold binary at ${SKAFFOLD || '(tools/skaffold/build --path failed)'}: run tools/skaffold/build (Go; a long cold build)`;
if (missing) console.warn(`SKIPPED: skaffold render and deploy: ${missing}`);
const needs =
  missing ??
  server.skipped ??
  (!server.crdFiles ? 'the control plane serves no Istio or Calico CRDs' : undefined);
if (needs && !missing && !server.skipped) console.warn(`SKIPPED: skaffold render and deploy: ${needs}`);

const TAG = 'skaffold-test';
const IMAGES = ['ztmesh/backend', 'ztmesh/frontend', 'ztmesh/loadtest'];
const IMAGES_FLAG = IMAGES.map((image) => `${image}=${image}:${TAG}`).join(',');
/** Each profile that renders an overlay, and that overlay (no profile: the default, zero-trust). The `ztctl`
 * profile only builds ztctl's image: it deploys nothing of its own. */
const PROFILES: ReadonlyArray<readonly [profile: string | undefined, overlay: string]> = [
  [undefined, 'k8s/overlays/zero-trust'],
  ['dev', 'k8s/overlays/dev'],
  ['zero-trust', 'k8s/overlays/zero-trust'],
  ['loadtest', 'k8s/overlays/loadtest'],
  ['split', 'k8s/overlays/zero-trust-split'],
  ['egress', 'k8s/overlays/zero-trust-egress'],
];
const CONTEXT = 'ztmesh-control-plane'; // the context scripts/control-plane writes into its kubeconfig
const TIER = { apiVersion: 'projectcalico.org/v3', kind: 'Tier', name: 'ztmesh-identity' };

interface Container {
  readonly image?: string;
}
interface PodSpecHolder {
  readonly spec?: { readonly template?: { readonly spec?: { readonly containers?: Container[] } } };
}

/** The object's container images. */
const imagesOf = (object: RenderedObject) =>
  ((object as PodSpecHolder).spec?.template?.spec?.containers ?? []).map((c) => c.image);

/** `object` with each of our images tagged as `--images` tags it (what Skaffold substitutes). */
function tagged(object: RenderedObject): RenderedObject {
  const copy = structuredClone(object);
  for (const container of (copy as PodSpecHolder).spec?.template?.spec?.containers ?? []) {
    const image = container.image?.replace(/[:@].*$/, '');
    if (image && IMAGES.includes(image)) (container as { image: string }).image = `${image}:${TAG}`;
  }
  return copy;
}

describe.skipIf(needs)('Skaffold on the control plane: render and deploy each profile', () => {
  const plane = server.api;
  // Skaffold's own state in a throw-away home: no usage data, no update check, no survey prompt.
  const home = mkdtempSync(join(tmpdir(), 'ztmesh-skaffold-home-'));
  const provided = useControlPlane();
  const kubeconfig = provided.skipped === undefined ? provided.kubeconfig : '';
  const skaffold = (args: readonly string[]) =>
    runCommand(SKAFFOLD, [...args, '--update-check=false', '--interactive=false'], {
      cwd: REPO_ROOT,
      env: { ...process.env, HOME: home, KUBECONFIG: kubeconfig },
    });
  const profileArgs = (profile: string | undefined) => (profile ? ['-p', profile] : []);

  beforeAll(() => {
    mkdirSync(join(home, '.skaffold'));
    writeFileSync(
      join(home, '.skaffold', 'config'),
      'global:\n  collect-metrics: false\n  update-check: false\n  survey:\n    disable-prompt: true\n',
    );
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it.each(PROFILES.map(([profile, overlay]) => [profile ?? '(default)', overlay, profile] as const))(
    'skaffold render %s: the overlay %s as kustomize renders it, our images tagged as --images says',
    async (_name, overlay, profile) => {
      const run = await skaffold([
        'render',
        ...profileArgs(profile),
        '--offline=true',
        '--digest-source=tag',
        '--images',
        IMAGES_FLAG,
      ]);
      expect(run.stderr.trim(), `skaffold render ${profile ?? '(default)'}`).toBe('');
      expect(run.code).toBe(0);
      const rendered = strictManifestObjects(run.stdout, `skaffold render ${profile ?? ''}`);
      expect(rendered).toEqual((await renderedObjects(overlay)).map(tagged));
      expect(rendered.filter((o) => o.kind === 'Deployment').flatMap(imagesOf).length).toBeGreaterThan(0);
    },
  );

  // egress is rendered above but not deployed: its gateway objects go into istio-system, which Istio's install owns
  // (the apply suite covers that overlay on the server with the namespace made first).
  it('skaffold deploy --images of dev, loadtest, zero-trust, split: every object lands labelled with that run, images tagged; the pre-deploy hook creates the Calico tier first; skaffold delete removes it all', async () => {
    const all = new Map<string, RenderedObject>();
    let previousRunId: string | undefined;
    try {
      for (const [profile, overlay] of [
        ['dev', 'k8s/overlays/dev'],
        ['loadtest', 'k8s/overlays/loadtest'],
        ['zero-trust', 'k8s/overlays/zero-trust'],
        ['split', 'k8s/overlays/zero-trust-split'],
      ] as const) {
        const objects = await renderedObjects(overlay);
        for (const o of objects) all.set(describeObject(o), o);
        const hooked = profile !== 'dev'; // dev's deploy section has no hook (no Calico policies there)
        const tierBefore = await plane.get(TIER.apiVersion, TIER.kind, TIER.name);
        const run = await skaffold([
          'deploy',
          ...profileArgs(profile),
          `--kube-context=${CONTEXT}`,
          '--images',
          IMAGES_FLAG,
          '--status-check=false',
        ]);
        const out = `${run.stdout}${run.stderr}`;
        expect(run.code, `skaffold deploy -p ${profile}:\n${out}`).toBe(0);
        if (hooked) {
          const hook = out.indexOf('Starting pre-deploy hooks...');
          expect(hook, out).toBeGreaterThanOrEqual(0);
          expect(out.slice(hook)).toMatch(
            new RegExp(
              `^Starting pre-deploy hooks\\.\\.\\.\\ntier\\.projectcalico\\.org/ztmesh-identity ${tierBefore ? 'unchanged' : 'created'}\\nCompleted pre-deploy hooks\\n`,
            ),
          );
        } else expect(out).not.toContain('pre-deploy hooks');

        // Every object of the profile is there; the workloads and Services carry this run's id (Skaffold labels
        // those kinds only), and our images have the tag.
        const live = await Promise.all(
          objects.map((o) => plane.get(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace)),
        );
        expect(live.map((o, i) => (o ? describeObject(o) : `missing ${describeObject(objects[i])}`))).toEqual(
          objects.map(describeObject),
        );
        const runIds = live.map((o) => o?.metadata.labels?.['skaffold.dev/run-id']);
        const labelled = live.filter(
          (o): o is NonNullable<typeof o> => o?.kind === 'Deployment' || o?.kind === 'Service',
        );
        expect(labelled.length).toBeGreaterThan(0);
        const ids = new Set(runIds.filter((id) => id !== undefined));
        expect([...ids], `one run id on the Deployments and Services of ${profile}`).toEqual([
          expect.stringMatching(/^[0-9a-f-]{36}$/),
        ]);
        for (const o of labelled)
          expect(o.metadata.labels?.['skaffold.dev/run-id'], describeObject(o)).toBe([...ids][0]);
        if (previousRunId) expect([...ids][0]).not.toBe(previousRunId);
        previousRunId = [...ids][0];
        for (const [i, o] of objects.entries())
          expect(imagesOf(live[i] as RenderedObject), describeObject(o)).toEqual(imagesOf(tagged(o)));
      }
    } finally {
      // loadtest's render holds all of webapp's objects (dev's and zero-trust's too); split's live elsewhere.
      for (const profile of ['loadtest', 'split']) {
        const removed = await skaffold(['delete', '-p', profile, `--kube-context=${CONTEXT}`]);
        expect(removed.code, `skaffold delete -p ${profile}:\n${removed.stdout}${removed.stderr}`).toBe(0);
      }
      // The hook's tier is in the loadtest render too, so delete took it; the namespace goes with its content.
      const left = async () =>
        (
          await Promise.all(
            [...all.values()].map((o) =>
              plane.get(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace),
            ),
          )
        )
          .filter((o) => o !== undefined)
          .map((o) => describeObject(o as RenderedObject));
      await eventually(
        'every object skaffold deployed is gone',
        async () => ((await left()).length === 0 ? true : undefined),
        90_000,
      ).catch(async (error: Error) => {
        expect(await left()).toEqual([]);
        throw error;
      });
    }
  });
});
