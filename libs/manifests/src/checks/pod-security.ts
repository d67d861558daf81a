import type { IContainer, IPodSpec } from 'kubernetes-models/v1';
import { type CrossCheck, findingOf } from './cross-check';
import { allContainers, podTemplates } from './pod-templates';

/** The UID the Istio sidecar runs as: iptables lets its traffic bypass the proxy, so an app must never use it. */
export const ISTIO_PROXY_UID = 1337;

/** Volume types Pod Security "restricted" allows. */
const RESTRICTED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/** Sysctls Pod Security "baseline" (and so "restricted") allows. */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

/**
 * The Pod Security Standards "restricted" profile (v1.32: the baseline controls plus the restricted ones), as
 * a list of violations of one pod spec; plus ours: a UID other than 1337 and a read-only root filesystem.
 */
export function podSecurityViolations(spec: IPodSpec): string[] {
  const violations: string[] = [];
  const pod = spec.securityContext ?? {};
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) violations.push('uses host namespaces');
  for (const volume of spec.volumes ?? []) {
    const type = Object.keys(volume).find((key) => key !== 'name');
    if (type && !RESTRICTED_VOLUME_TYPES.has(type))
      violations.push(`volume ${volume.name}: type ${type} not allowed`);
  }
  for (const sysctl of pod.sysctls ?? []) {
    if (!SAFE_SYSCTLS.has(sysctl.name)) violations.push(`sysctl ${sysctl.name} not allowed`);
  }
  if (
    pod.seLinuxOptions?.type &&
    !['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(
      pod.seLinuxOptions.type,
    )
  ) {
    violations.push(`seLinuxOptions.type ${pod.seLinuxOptions.type} not allowed`);
  }
  if (pod.runAsUser === 0) violations.push('pod runAsUser is 0 (root)');
  if (!isAllowedSeccomp(pod.seccompProfile?.type)) {
    // Containers the mesh injects (istio-validation, istio-proxy) set no seccomp profile of their own: only a
    // pod-level one makes the whole pod pass "restricted" admission.
    violations.push(
      `pod seccompProfile must be RuntimeDefault or Localhost at pod level (got ${pod.seccompProfile?.type ?? 'none'}): injected sidecars inherit only that`,
    );
  }
  for (const container of allContainers(spec)) {
    violations.push(
      ...containerViolations(container, spec).map((message) => `container ${container.name}: ${message}`),
    );
  }
  return violations;
}

function isAllowedSeccomp(type: string | undefined): boolean {
  return type === 'RuntimeDefault' || type === 'Localhost';
}

function containerViolations(container: IContainer, spec: IPodSpec): string[] {
  const pod = spec.securityContext ?? {};
  const own = container.securityContext ?? {};
  const violations: string[] = [];
  if (own.privileged) violations.push('privileged');
  if (own.allowPrivilegeEscalation !== false) violations.push('allowPrivilegeEscalation must be false');
  if ((own.runAsNonRoot ?? pod.runAsNonRoot) !== true) violations.push('runAsNonRoot must be true');
  const uid = own.runAsUser ?? pod.runAsUser;
  if (uid === undefined) violations.push('no runAsUser: the image decides the UID, which might be 1337 or 0');
  else if (uid === 0) violations.push('runAsUser is 0 (root)');
  else if (uid === ISTIO_PROXY_UID)
    violations.push("runAsUser 1337 is the Istio sidecar's UID (its traffic bypasses the proxy)");
  const seccomp = own.seccompProfile?.type ?? pod.seccompProfile?.type;
  if (!isAllowedSeccomp(seccomp)) violations.push('seccompProfile must be RuntimeDefault or Localhost');
  const capabilities = own.capabilities ?? {};
  if (!(capabilities.drop ?? []).includes('ALL')) violations.push('capabilities must drop ALL');
  const added = (capabilities.add ?? []).filter((capability) => capability !== 'NET_BIND_SERVICE');
  if (added.length > 0)
    violations.push(`capabilities may add only NET_BIND_SERVICE (adds ${added.join(', ')})`);
  if (own.procMount && own.procMount !== 'Default') violations.push('procMount must be Default');
  const appArmor = own.appArmorProfile?.type ?? pod.appArmorProfile?.type;
  if (appArmor === 'Unconfined') violations.push('appArmorProfile may not be Unconfined');
  if (own.windowsOptions?.hostProcess ?? pod.windowsOptions?.hostProcess)
    violations.push('hostProcess not allowed');
  if (own.readOnlyRootFilesystem !== true) violations.push('readOnlyRootFilesystem must be true');
  for (const port of container.ports ?? []) {
    if (port.hostPort) violations.push(`hostPort ${port.hostPort} not allowed`);
  }
  return violations;
}

/** Every pod meets Pod Security "restricted", runs as a UID other than 0 and 1337, on a read-only root. */
export const podSecurityCheck: CrossCheck = {
  name: 'pod-security',
  description: 'every pod meets Pod Security "restricted" and runs as a UID other than 1337',
  run(context) {
    return podTemplates(context.objects).flatMap((template) =>
      podSecurityViolations(template.spec).map((message) =>
        findingOf(this.name, context, template.owner, message),
      ),
    );
  },
};
