// One scale run of the policy analyzer on a synthetic cluster: `node scale.cjs <workloads> <policies>`.
// Prints one JSON line: sizes, distinct label sets, phase timings (ms) and peak RSS (MiB). Run through run.mjs.
import { parse, stringify } from 'yaml';
import { analyze, parseManifests } from '../../libs/policy/src/index';

const [workloads, policies] = process.argv.slice(2).map(Number);
const namespaces = Math.max(5, Math.round(workloads / 50));
const docs: string[] = [];
const ns = (i: number) => `ns-${i % namespaces}`;
// Two workloads share each label set (a stable and a canary Deployment of one app): grouping halves the classes.
const app = (i: number) => `app-${Math.floor(i / 2)}`;
const tiers = ['web', 'api', 'db', 'cache', 'queue'];
for (let n = 0; n < namespaces; n++) {
  docs.push(
    `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-${n}\n  labels: {team: team-${n % 10}, env: ${n % 3 === 0 ? 'prod' : 'dev'}}`,
  );
}
for (let i = 0; i < workloads; i++) {
  const k = Math.floor(i / 2);
  const labels = `{app: ${app(i)}, tier: ${tiers[k % 5]}, team: team-${k % 10}, version: v1}`;
  docs.push(
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w-${i}, namespace: ${ns(Math.floor(i / 2))}}\nspec:\n  template:\n    metadata: {labels: ${labels}}\n    spec:\n      serviceAccountName: ${app(i)}\n      containers: [{name: c, ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9464}]}]`,
  );
}
for (let p = 0; p < policies; p++) {
  const n = ns(p);
  const target = app((p * 7) % workloads);
  const peer = app((p * 13 + 5) % workloads);
  switch (p % 5) {
    case 0:
      docs.push(
        `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-${p}, namespace: ${n}}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress], egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}], ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]}]}`,
      );
      break;
    case 1:
      docs.push(
        `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-${p}, namespace: ${n}}\nspec:\n  podSelector: {matchLabels: {app: ${target}}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: ${peer}}}}, {namespaceSelector: {matchLabels: {team: team-${p % 10}}}, podSelector: {matchExpressions: [{key: tier, operator: In, values: [web, api]}]}}], ports: [{port: http}, {port: 9000, endPort: 9100}]}]`,
      );
      break;
    case 2:
      docs.push(
        `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: egress-${p}, namespace: ${n}}\nspec:\n  podSelector: {matchLabels: {tier: ${tiers[p % 5]}}}\n  policyTypes: [Egress]\n  egress: [{to: [{namespaceSelector: {matchLabels: {env: prod}}, podSelector: {matchLabels: {tier: db}}}], ports: [{port: 5432}]}, {to: [{ipBlock: {cidr: 10.${p % 256}.0.0/16, except: [10.${p % 256}.1.0/24]}}]}]`,
      );
      break;
    case 3:
      docs.push(
        `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: calico-${p}, namespace: ${n}}\nspec:\n  order: ${100 + (p % 900)}\n  selector: app == '${target}' || tier == 'cache'\n  ingress:\n    - {action: Deny, protocol: TCP, source: {selector: "tier == 'queue'"}, destination: {ports: [9464]}}\n    - {action: Allow, protocol: TCP, source: {namespaceSelector: "team in {'team-${p % 10}', 'team-1'}", serviceAccounts: {names: [${peer}]}}, destination: {ports: [http]}}\n    - {action: Pass, source: {selector: "has(version) && !has(canary)"}}`,
      );
      break;
    default:
      docs.push(
        `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: global-${p}}\nspec:\n  order: ${p}\n  namespaceSelector: "team == 'team-${p % 10}'"\n  selector: "tier == '${tiers[p % 5]}'"\n  types: [Egress]\n  egress:\n    - {action: Allow, protocol: TCP, destination: {selector: "app == '${peer}'", ports: [8080]}}\n    - {action: Deny, destination: {nets: [192.168.${p % 256}.0/24]}}`,
      );
  }
}
// Rendered manifests (kubectl kustomize, kubectl get -o yaml) are block style: re-emit the documents that way.
const text = docs.map((d) => stringify(parse(d))).join('---\n');

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const objects = parseManifests(text, 'synthetic.yaml');
const t1 = performance.now();
const cpuParse = process.cpuUsage(cpu0);
const analysis = analyze(objects);
const t2 = performance.now();
// The full model: every class's ingress and egress verdict, i.e. the whole connectivity matrix in compressed form.
let exceptions = 0;
for (const ep of analysis.endpoints) {
  exceptions += analysis.engine.ingress(ep).pods.size + analysis.engine.egress(ep).pods.size;
}
const t3 = performance.now();
// A sample of pairwise queries, as the flow-graph diff makes them.
let allowedPairs = 0;
const sample = analysis.workloads.slice(0, 200);
for (const s of sample) for (const d of sample) if (s !== d && !analysis.l4(s, d).isEmpty()) allowedPairs++;
const t4 = performance.now();
const cpu = process.cpuUsage(cpu0);
const peakRssMiB = process.resourceUsage().maxRSS / 1024;
console.log(
  JSON.stringify({
    workloads,
    policies: analysis.policyCount,
    namespaces,
    labelSets: analysis.endpoints.length,
    parseMs: Math.round(t1 - t0),
    compileMs: Math.round(t2 - t1),
    matrixMs: Math.round(t3 - t2),
    pairQueriesMs: Math.round(t4 - t3),
    totalMs: Math.round(t4 - t0),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    parseCpuMs: Math.round((cpuParse.user + cpuParse.system) / 1000),
    analyzeMs: Math.round(t3 - t1),
    peakRssMiB: Math.round(peakRssMiB),
    verdictExceptions: exceptions,
    sampledAllowedPairs: allowedPairs,
  }),
);
