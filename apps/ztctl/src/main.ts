import { Command, CommanderError } from 'commander';
import { KubeError } from '@ztmesh/kube';
import { ManifestError } from '@ztmesh/policy';
import { createAnalyzeCommand } from './commands/analyze';
import { createGraphCommand } from './commands/graph';
import { createSchemasCommand } from './commands/schemas';
import { createValidateCommand } from './commands/validate';
import { createVerifyCommand } from './commands/verify';
import { EXIT, UsageError } from './exit-codes';
import packageJson from '../package.json';

const program = new Command('ztctl')
  .description(
    'ztmesh zero-trust tooling: analyze what the manifests allow against the declared flow graph, validate ' +
      'the deploy files offline, verify a live cluster, draw the flow graph',
  )
  .version(packageJson.version, '-V, --version', 'print the version and exit')
  .addHelpText(
    'after',
    '\nExit codes: 0 ok, 1 drift or findings, 2 bad input or usage; 130/143 verify interrupted by SIGINT/SIGTERM.',
  );

// Commands, one line each (explicit on purpose: no discovery, so the bundle holds exactly these).
program.addCommand(createAnalyzeCommand());
program.addCommand(createGraphCommand());
program.addCommand(createValidateCommand());
program.addCommand(createSchemasCommand());
program.addCommand(createVerifyCommand());

// addCommand does not inherit settings: every command throws instead of exiting (usage errors exit 2) and says
// its usage error as one line naming the command and where its help is.
const commandPath = (command: Command): string =>
  command.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name();
for (const command of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
  const name = commandPath(command);
  command.exitOverride().configureOutput({
    outputError: (text, write) => write(`${name}: ${text.trimEnd()} (see \`${name} --help\`)\n`),
  });
}

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
