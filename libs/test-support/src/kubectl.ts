import { controlPlaneState } from './control-plane';
import { runCommand } from './run-command';

/** The outcome of one kubectl run. */
export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** kubectl bound to one control plane. */
export interface Kubectl {
  /** Runs kubectl ARGS (stdin from `input`); never rejects on a non-zero exit. */
  run(args: readonly string[], input?: string): Promise<KubectlResult>;
  /**
   * Runs kubectl ARGS and resolves with stdout; on a non-zero exit rejects with kubectl's stderr and, when a
   * control-plane process has died, which one with the tail of its log.
   */
  ok(args: readonly string[], input?: string): Promise<string>;
  /** `ok` with `-o json`, parsed. */
  json<T = unknown>(args: readonly string[]): Promise<T>;
}

/** kubectl against the control plane of `kubeconfig` (and `stateDir`, to diagnose a failure). */
export function createKubectl(plane: { readonly kubeconfig: string; readonly stateDir: string }): Kubectl {
  const run = (args: readonly string[], input?: string): Promise<KubectlResult> =>
    runCommand('kubectl', args, { env: { ...process.env, KUBECONFIG: plane.kubeconfig }, input });
  const ok = async (args: readonly string[], input?: string) => {
    const result = await run(args, input);
    if (result.code === 0) return result.stdout;
    const health = await controlPlaneState(plane.stateDir).then(
      () => '',
      (error: Error) => `\n${error.message}`,
    );
    throw new Error(`kubectl ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}${health}`);
  };
  return {
    run,
    ok,
    json: async <T>(args: readonly string[]) => JSON.parse(await ok([...args, '-o', 'json'])) as T,
  };
}
