import { join } from 'node:path';

/** The repository root (this file is libs/test-support/src/repo-root.ts). */
export const REPO_ROOT = join(__dirname, '..', '..', '..');
