/** Why a talk with the API server failed, as verify reports it (every kind exits 2). */
export type KubeErrorKind =
  'config' | 'unreachable' | 'timeout' | 'unauthorized' | 'forbidden' | 'missing-crd' | 'api';

/** A failure to reach or use the Kubernetes API: a one-line message naming what and where, no stack trace. */
export class KubeError extends Error {
  override readonly name = 'KubeError';
  constructor(
    readonly kind: KubeErrorKind,
    message: string,
  ) {
    super(message);
  }
}
