/** Options of waitFor. */
export interface WaitForOptions {
  /** Default 10 s. */
  readonly timeoutMs?: number;
  /** What is awaited, for the error message (default `the condition`). */
  readonly what?: string;
  /** Poll interval (default 20 ms). */
  readonly intervalMs?: number;
}

/**
 * Resolves once `condition` holds (polled; a throw or rejection counts as not yet), or rejects after `timeoutMs`
 * naming `what` and the last error.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: WaitForOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      if (await condition()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const reason = last === undefined ? '' : ` (last error: ${String(last)})`;
      throw new Error(`timed out waiting for ${options.what ?? 'the condition'}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}
