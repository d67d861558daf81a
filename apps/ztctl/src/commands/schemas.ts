import { Command } from 'commander';
import {
  fetchUpstreamSchemas,
  findUpstreamSchemas,
  SchemaFetchError,
  UPSTREAM_SCHEMA_FILES,
  upstreamSchemasCacheDir,
} from '@ztmesh/manifests';
import { EXIT } from '../exit-codes';
import { findRepoRoot } from './validate';

/** `ztctl schemas fetch|path`: get the pinned upstream schemas `validate` checks against, and say where they are. */
export function createSchemasCommand(): Command {
  const schemas = new Command('schemas').description(
    'the pinned upstream Istio/Calico CRD and Skaffold schemas that validate checks against: fetch them, show where',
  );
  schemas
    .command('fetch')
    .description(
      `download the ${UPSTREAM_SCHEMA_FILES.length} pinned files (libs/manifests/src/schemas/upstream-schemas.json), ` +
        'verify each sha256 and only then store them all (exit 0 stored, 1 download or checksum failure)',
    )
    .option(
      '--dir <dir>',
      'where to store them (default: ${XDG_CACHE_HOME:-~/.cache}/ztmesh/schemas/<pin id>)',
    )
    .option(
      '--from <url>',
      'a mirror laid out like the cache: each file from <url>/<path> (still checksummed)',
    )
    .action(async (options: { dir?: string; from?: string }) => {
      try {
        const result = await fetchUpstreamSchemas({ dir: options.dir, from: options.from });
        process.stdout.write(
          `stored ${result.files} schema files (${result.bytes} bytes) in ${result.dir}\n`,
        );
        process.exitCode = EXIT.ok;
      } catch (error) {
        if (!(error instanceof SchemaFetchError)) throw error;
        process.stderr.write(`ztctl schemas fetch: error: ${error.message}\n`);
        process.exitCode = EXIT.failed;
      }
    });
  schemas
    .command('path')
    .description('print the schemas directory validate would use (exit 0), or where it looked (exit 1)')
    .option(
      '--repo <dir>',
      'repository root (default: the nearest directory above the working directory with k8s/)',
    )
    .action((options: { repo?: string }) => {
      const lookup = findUpstreamSchemas({ repoRoot: options.repo ?? findRepoRoot(process.cwd()) });
      if (lookup.dir) {
        process.stdout.write(`${lookup.dir}\n`);
        process.exitCode = EXIT.ok;
      } else {
        process.stderr.write(
          `ztctl schemas path: no upstream schemas in ${lookup.looked.join(' or ')}; run \`ztctl schemas fetch\` ` +
            `(it stores them in ${upstreamSchemasCacheDir()})\n`,
        );
        process.exitCode = EXIT.failed;
      }
    });
  return schemas;
}
