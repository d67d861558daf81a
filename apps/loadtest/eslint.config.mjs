import base from '../../eslint.config.mjs';

// The folder rule of README.md's Layout: a folder imports only the folders below it, so the open-model core
// (run/, record/) stays usable without the CLI and no import cycle can form between folders.
const FOLDERS = ['cli', 'probe', 'service', 'report', 'run', 'scenarios', 'record'];
const MAY_IMPORT = {
  probe: ['report', 'run', 'scenarios', 'record'],
  service: ['report', 'run', 'scenarios', 'record'],
  report: ['run', 'scenarios', 'record'],
  run: ['scenarios', 'record'],
  scenarios: [],
  record: [],
};

export default [
  ...base,
  ...Object.entries(MAY_IMPORT).map(([folder, allowed]) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../main',
                ...FOLDERS.filter((other) => other !== folder && !allowed.includes(other)).map(
                  (other) => `../${other}`,
                ),
              ],
              message: `${folder}/ may import only ${[...allowed, 'usage-error'].join(', ')} (see README.md, Layout)`,
            },
          ],
        },
      ],
    },
  })),
];
