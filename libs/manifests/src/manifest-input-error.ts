/**
 * Raised for input the validator cannot judge (a broken YAML file, an unknown kind, a missing overlay): the CLI
 * maps it to exit code 2. The message names the file and, where known, the object.
 */
export class ManifestInputError extends Error {
  override readonly name = 'ManifestInputError';

  constructor(
    /** Repo-relative (or absolute) path of the offending file or directory. */
    readonly file: string,
    message: string,
    /** The offending object or place: `Kind namespace/name`, `Kind at line L`, `line L`, `document N`. */
    readonly object?: string,
  ) {
    super(`${file}${object ? ` (${object})` : ''}: ${message}`);
  }
}
