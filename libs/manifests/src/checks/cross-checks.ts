import { applyOrderCheck } from './apply-order';
import { authorizationPathsCheck } from './authz-paths';
import { authorizationPrincipalsCheck } from './authz-principals';
import { calicoServiceAccountsCheck } from './calico-service-accounts';
import { idleTimeoutCheck } from './idle-timeout';
import { meshHostsCheck } from './mesh-hosts';
import { policyPortsCheck } from './policy-ports';
import type { CrossCheck } from './cross-check';
import { imagesCheck } from './images';
import { podSecurityCheck } from './pod-security';
import { portNamingCheck } from './port-naming';
import { portReferencesCheck } from './port-references';
import { probeRoutesCheck } from './probe-routes';
import { serviceAccountsCheck } from './service-accounts';
import { serviceSelectorsCheck } from './service-selectors';
import { shutdownBudgetCheck } from './shutdown-budget';
import { tierOrderCheck } from './tier-order';
import { envoyFilterOrderCheck } from './envoyfilter-order';
import { gatewayHostsCheck } from './gateway-hosts';
import { workloadHygieneCheck } from './workload-hygiene';

/**
 * Every cross-check `validateRepo` runs, in report order. A new check is one CrossCheck in its own file added
 * here (and a table of good and bad fixtures in its test).
 */
export const CROSS_CHECKS: readonly CrossCheck[] = [
  serviceSelectorsCheck,
  portReferencesCheck,
  portNamingCheck,
  serviceAccountsCheck,
  podSecurityCheck,
  workloadHygieneCheck,
  shutdownBudgetCheck,
  imagesCheck,
  probeRoutesCheck,
  // The zero-trust layers' checks (Zero-trust issue): identities, hosts, ports and timeouts they name exist.
  authorizationPrincipalsCheck,
  authorizationPathsCheck,
  calicoServiceAccountsCheck,
  tierOrderCheck,
  meshHostsCheck,
  gatewayHostsCheck,
  policyPortsCheck,
  idleTimeoutCheck,
  envoyFilterOrderCheck,
  // What a first `kubectl apply -k` of the target would meet.
  applyOrderCheck,
];
