import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import {
  findKubectl,
  formatReport,
  reportPassed,
  validateRepo,
  type ValidationReport,
} from '@ztmesh/manifests';
import { ManifestError } from '@ztmesh/policy';
import { EXIT } from '../exit-codes';
import { createRouteObserver } from '../create-route-observer';

/** Options of `ztctl validate`. */
export interface ValidateCommandOptions {
  readonly repo?: string;
  readonly schemas?: string;
  readonly target?: readonly string[];
  readonly json?: boolean;
  readonly runApps: boolean;
  readonly kubectl?: string;
  readonly strict?: boolean;
}

/** Where process output goes (tests pass their own). */
export interface ValidateIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: ValidateIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** The nearest directory at or above `start` that holds k8s/ (the repository root); `start` when none does. */
export function findRepoRoot(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'k8s'))) return dir;
    if (dirname(dir) === dir) return resolve(start);
  }
}

/** Runs the offline validation; returns the exit code: 0 clean, 1 findings, 2 bad input (message on stderr). */
export async function runValidate(
  options: ValidateCommandOptions,
  io: ValidateIo = processIo,
): Promise<number> {
  const repoRoot = options.repo ? resolve(options.repo) : findRepoRoot(process.cwd());
  const targets = options.target && options.target.length > 0 ? options.target : undefined;
  const bad = (message: string) => {
    io.stderr(`ztctl validate: error: ${message}\n`);
    return EXIT.badInput;
  };
  // Nothing to validate is bad input, never a pass.
  if (!targets && !existsSync(join(repoRoot, 'k8s'))) {
    return bad(
      `${repoRoot} has no k8s/ directory: not a ztmesh repository (pass --repo DIR or --target PATH)`,
    );
  }
  if (options.schemas !== undefined && !existsSync(options.schemas)) {
    return bad(`--schemas ${options.schemas}: no such directory`);
  }
  // An explicitly named kubectl that cannot run is a mistake to report; an absent default one is a loud skip.
  if (options.kubectl !== undefined) {
    const kubectl = findKubectl(options.kubectl);
    if (!kubectl.available) return bad(`--kubectl ${options.kubectl}: ${kubectl.reason}`);
  }
  let report: ValidationReport;
  try {
    report = await validateRepo({
      repoRoot,
      schemasDir: options.schemas ? resolve(options.schemas) : undefined,
      targets,
      routeObserver: options.runApps ? createRouteObserver({ repoRoot }) : undefined,
      kubectl: options.kubectl,
    });
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    return bad(error.message);
  }
  if (report.targets.length === 0 && report.skipped.length === 0) return bad('no targets to validate');
  const judged = { strict: options.strict };
  if (options.json) {
    // The JSON carries `skipped` too; stderr says it for whoever only watches the exit code.
    for (const reason of report.skipped) io.stderr(`ztctl validate: SKIPPED ${reason}\n`);
    io.stdout(`${JSON.stringify({ ...report, strict: Boolean(options.strict) }, null, 2)}\n`);
  } else {
    io.stdout(`${formatReport(report, judged)}\n`);
  }
  return reportPassed(report, judged) ? EXIT.ok : EXIT.failed;
}

/** `ztctl validate`: render every overlay and k8s/tests combination, validate schemas strictly, cross-check. */
export function createValidateCommand(): Command {
  return new Command('validate')
    .description(
      'prove the deploy files offline: render every k8s/overlays/* and k8s/tests/* with kubectl kustomize, validate ' +
        'every object (core kinds, Istio and Calico CRDs strictly, skaffold.yaml) and cross-check them (exit 0 clean, ' +
        '1 findings, or with --strict a skipped check; 2 bad input). OK is printed only when nothing was skipped',
    )
    .option(
      '--repo <dir>',
      'repository root (default: the nearest directory above the working directory with k8s/)',
    )
    .option(
      '--schemas <dir>',
      'upstream Istio/Calico CRD and Skaffold schemas (default: <repo>/../shared/schemas, else the cache ' +
        'that `ztctl schemas fetch` fills)',
    )
    .option('--strict', 'a skipped check (no schemas, no kubectl) fails the run with exit 1, as in CI')
    .option(
      '--target <path...>',
      'kustomization directories or YAML files to check, relative to the repo (default: every k8s/overlays/* and k8s/tests/*)',
    )
    .option('--json', 'print the report as JSON (for machines)')
    .option('--no-run-apps', "skip starting the apps' bundles to check probe paths")
    .option('--kubectl <path>', 'kubectl binary (default: kubectl on PATH; a named one must run)')
    .action(async (options: ValidateCommandOptions) => {
      process.exitCode = await runValidate(options);
    });
}
