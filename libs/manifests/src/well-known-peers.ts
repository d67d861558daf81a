import type { ExternalServiceAccount, ExternalWorkload } from './checks/cross-check';

/**
 * The identities outside `webapp` that the deployment contract names (docs: COMMON contract, DESIGN.md): the
 * Istio ingress gateway and Prometheus. Policies may name them although no rendered object defines them.
 */
export const WELL_KNOWN_SERVICE_ACCOUNTS: readonly ExternalServiceAccount[] = [
  { namespace: 'istio-system', name: 'istio-ingressgateway-service-account' },
  { namespace: 'istio-system', name: 'prometheus' },
  { namespace: 'istio-system', name: 'istiod' },
  // Installed only where the egress component is used (EGRESS_GATEWAY=1 scripts/cluster-up).
  { namespace: 'istio-system', name: 'istio-egressgateway-service-account' },
];

/**
 * The workloads outside `webapp` that the deployment contract names, with the ports our pods may reach them on:
 * kube-dns on 53 (UDP and TCP) and istiod on 15012 (xDS over mTLS) are destinations; the ingress gateway and
 * Prometheus are sources only, listed so that a policy selecting them is recognised (and gets no ports).
 */
export const WELL_KNOWN_WORKLOADS: readonly ExternalWorkload[] = [
  {
    namespace: 'kube-system',
    name: 'kube-dns',
    labels: { 'k8s-app': 'kube-dns' },
    serviceAccount: 'coredns',
    ports: [53],
  },
  {
    namespace: 'istio-system',
    name: 'istiod',
    labels: { app: 'istiod', istio: 'pilot' },
    serviceAccount: 'istiod',
    ports: [15012],
  },
  {
    namespace: 'istio-system',
    name: 'istio-ingressgateway',
    labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
    serviceAccount: 'istio-ingressgateway-service-account',
    ports: [],
  },
  {
    // The egress gateway (istio/egress, calico/egress): our pods reach it on its pod port 8443 (Service port 443).
    namespace: 'istio-system',
    name: 'istio-egressgateway',
    labels: { app: 'istio-egressgateway', istio: 'egressgateway' },
    serviceAccount: 'istio-egressgateway-service-account',
    ports: [8443],
  },
  {
    namespace: 'istio-system',
    name: 'prometheus',
    labels: { 'app.kubernetes.io/name': 'prometheus' },
    serviceAccount: 'prometheus',
    ports: [],
  },
];
