import type { ExternalServiceAccount, ExternalWorkload } from './checks/cross-check';

/**
 * The identities outside `webapp` that the deployment contract names (docs: COMMON contract, DESIGN.md): the
 * Istio ingress gateway and Prometheus. Policies may name them although no rendered object defines them.
 */
export const WELL_KNOWN_SERVICE_ACCOUNTS: readonly ExternalServiceAccount[] = [
  { namespace: 'istio-system', name: 'istio-ingressgateway-service-account' },
  { namespace: 'istio-system', name: 'prometheus' },
  { namespace: 'istio-system', name: 'istiod' },
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
    namespace: 'istio-system',
    name: 'prometheus',
    labels: { 'app.kubernetes.io/name': 'prometheus' },
    serviceAccount: 'prometheus',
    ports: [],
  },
];
