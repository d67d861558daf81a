import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

/** Nx module boundaries: apps and libs depend on libs only, plus the `extra` tags where tests may use them. */
const moduleBoundaries = (extra) => [
  'error',
  {
    enforceBuildableLibDependency: true,
    allow: [],
    depConstraints: [
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', ...extra] },
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', ...extra] },
      { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:test'] },
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
    ],
  },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/out-tsc', '**/node_modules', '**/.nx', '**/vitest.config.*.timestamp*'] },
  {
    // Product code: apps over libs, never the other way, and no test helper (libs tagged type:test) in what ships.
    // Config files (eslint.config.mjs, vitest.config.ts) may import the workspace's shared configs by path.
    files: ['**/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/src/testing/**'],
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries([]) },
  },
  {
    // Tests and their helpers may also use the test libs (libs/test-support, libs/api-server-checks).
    files: ['**/*.test.ts', '**/test/**/*.ts', '**/src/testing/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries(['type:test']) },
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  prettier,
];
