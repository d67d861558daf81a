/** Bad input from the person or file driving the tool: printed as one line naming the problem, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
