import { Command, CommanderError } from 'commander';
import { KubeError } from '@ztmesh/kube';
import { ManifestError } from '@ztmesh/policy';
import { createAnalyzeCommand } from './commands/analyze';
import { createGraphCommand } from './commands/graph';
import { createValidateCommand } from './commands/validate';
import { createVerifyCommand } from './commands/verify';
import { EXIT, UsageError } from './exit-codes';
import packageJson from '../package.json';

const program = new Command('ztctl')
  .description(
    'ztmesh zero-trust tooling: analyze manifests against the declared flow graph, verify a live cluster, draw it',
  )
  .version(packageJson.version, '-V, --version', 'print the version and exit')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text) });

// Commands, one line each (explicit on purpose: no discovery, so the bundle holds exactly these).
program.addCommand(createAnalyzeCommand());
program.addCommand(createGraphCommand());
program.addCommand(createValidateCommand());
program.addCommand(createVerifyCommand());

// addCommand does not inherit settings: every command throws instead of exiting, so usage errors exit 2.
for (const command of program.commands) command.exitOverride();

// parseAsync: analyze awaits the kustomize render and validate its checks; their errors land here too.
program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // Help and version exit 0; every other commander error is a usage error.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  } else if (error instanceof ManifestError || error instanceof UsageError || error instanceof KubeError) {
    process.stderr.write(`ztctl: error: ${error.message}\n`);
    process.exitCode = EXIT.badInput;
  } else {
    throw error;
  }
});
