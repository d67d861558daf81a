import { accessSync, constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_TARGET, DEFAULT_UNAUTHORIZED_SHARE } from '../scenarios/default-scenarios';
import { parseScenarioFlag } from '../scenarios/parse-scenario-flag';
import { parseHttpUrl } from '../scenarios/resolve-scenarios';
import { UsageError } from '../usage-error';
import { EXIT } from './exit-codes';
import {
  collect,
  parseHeader,
  parsePositiveDuration,
  parsePositiveInteger,
  parseRate,
  parseShare,
} from './parse-values';
import { runLoadCommand, type RunFlags } from './run-load-command';
import packageJson from '../../package.json';

const EXIT_CODES_HELP = `
Exit codes:
  0    finished, every threshold passed, nothing unauthorized leaked (probe: allowed)
  1    a threshold failed or an unauthorized request got a 2xx (probe: blocked)
  2    usage error: unknown flag, bad value, invalid scenario file
  3    a target could not be connected to before the run (probe: inconclusive, e.g. DNS failure)
  130  interrupted by Ctrl-C (SIGINT); the partial summary is printed
  143  stopped by SIGTERM; the partial summary is printed`;

const RUN_EXAMPLES = `
Examples:
  loadtest http://127.0.0.1:8080 --rate 200 --duration 30s --threshold 'p99<250ms' --threshold 'errors<1%'
  loadtest --scenarios-file mix.yaml --rate 50 --ramp-up 10s --duration 1m --json report.json
  loadtest http://127.0.0.1:8080 --unauthorized http://127.0.0.1:5000/api/data --requests 500 --rate 50
  loadtest http://127.0.0.1:5000 --scenario name=data,path=/api/data --model closed --rate max -c 50 -d 10s

Scenario file (YAML or JSON):
  target: http://127.0.0.1:8080          # base for scenarios given by path
  headers: { x-team: demo }              # sent with every request
  scenarios:
    - { name: data, path: /api/backend/api/data, weight: 70 }
    - { name: health, path: /api/backend/health, weight: 20 }
    - { name: direct, url: http://127.0.0.1:5000/api/data, weight: 5, unauthorized: true }`;

/** Builds the `loadtest` command line; actions report their exit code through `setExit`. */
export function createProgram(setExit: (code: number) => void): Command {
  const program = new Command('loadtest')
    .description(
      'ztmesh load generator: open-model HTTP load with latency measured from the schedule (no coordinated ' +
        'omission), a must-be-blocked probe scenario, a long-running service mode and one-shot policy probes.',
    )
    .version(packageJson.version, '-V, --version', 'print the version and exit')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(`loadtest: ${text.replace(/^error: /, '')}`) });

  program
    .command('run', { isDefault: true })
    .description('one load run with a summary table (the default command)')
    .argument('[target]', 'base URL for scenarios given by path', DEFAULT_TARGET)
    .addOption(
      new Option('-r, --rate <n|max>', 'requests per second ("max": unpaced, closed model only)')
        .argParser(parseRate)
        .default(10),
    )
    .addOption(
      new Option(
        '-d, --duration <time>',
        'length of the run, e.g. 30s, 2m (default 10s unless --requests)',
      ).argParser(parsePositiveDuration),
    )
    .addOption(
      new Option('-n, --requests <n>', 'stop after this many requests').argParser(parsePositiveInteger),
    )
    .addOption(
      new Option('--ramp-up <time>', 'raise the rate linearly from 0 over this time (open model)').argParser(
        parsePositiveDuration,
      ),
    )
    .addOption(
      new Option('-c, --connections <n>', 'keep-alive connections per origin (closed model: workers)')
        .argParser(parsePositiveInteger)
        .default(10),
    )
    .addOption(
      new Option(
        '--max-in-flight <n>',
        'requests outstanding at most; arrivals beyond are dropped and counted',
      )
        .argParser(parsePositiveInteger)
        .default(1000),
    )
    .addOption(
      new Option('-t, --timeout <time>', 'per-request timeout')
        .argParser(parsePositiveDuration)
        .default(5000, '5s'),
    )
    .addOption(
      new Option('--model <model>', 'open: fixed arrival schedule; closed: each worker waits for its answer')
        .choices(['open', 'closed'])
        .default('open'),
    )
    .addOption(
      new Option('-H, --header <header>', 'request header "Name: value" (repeatable)').argParser(
        collect(parseHeader),
      ),
    )
    .addOption(
      new Option(
        '-s, --scenario <spec>',
        'name=N,path=/p|url=U[,weight=W][,method=M][,unauthorized] (repeatable)',
      ).argParser(collect(parseScenarioFlag)),
    )
    .addOption(new Option('-f, --scenarios-file <file>', 'YAML or JSON scenario file'))
    .addOption(
      new Option('-u, --unauthorized <url>', 'add a scenario that policy must block; any 2xx fails the run'),
    )
    .addOption(
      new Option('--unauthorized-share <fraction>', 'share of requests aimed at the unauthorized URL')
        .argParser(parseShare)
        .default(DEFAULT_UNAUTHORIZED_SHARE),
    )
    .addOption(
      new Option(
        '--threshold <expr>',
        "pass/fail condition, e.g. 'p99<250ms', 'errors<1%', 'leaked==0' (repeatable)",
      ).argParser(collect((text: string) => text)),
    )
    .addOption(
      new Option(
        '--json [file]',
        'write the JSON report to a file, or to stdout with no file or "-" (table goes to stderr)',
      ),
    )
    .option('--no-progress', 'no live progress line (it is only drawn on a TTY anyway)')
    .option('--no-preflight', 'skip the connection check of the targets before the run')
    .addHelpText('after', `${RUN_EXAMPLES}\n${EXIT_CODES_HELP}`)
    .action(async (target: string, flags: RunFlags) => {
      // `run` is the default command, so a mistyped command would arrive here as the target: a bare word is no URL.
      if (/^[a-z]+$/i.test(target)) {
        const commands = program.commands.map((command) => command.name()).join(', ');
        throw new UsageError(
          `unknown command '${target}' (commands: ${commands}; a target is a URL such as ${DEFAULT_TARGET}); see loadtest --help`,
        );
      }
      parseHttpUrl(target, 'target');
      if (typeof flags.json === 'string' && flags.json !== '-') checkWritable(flags.json);
      setExit(await runLoadCommand(target, flags));
    });

  program
    .command('service')
    .description(
      'run until SIGTERM at a gentle rate, serving /metrics, /health and /ready on METRICS_PORT ' +
        '(configured by environment variables)',
    )
    .addHelpText(
      'after',
      '\nEnvironment (defaults in brackets):\n' +
        "  TARGET_URL [http://127.0.0.1:8080]  base URL of the default mix (or of a scenario file's paths)\n" +
        '  RATE [5]                            requests per second\n' +
        '  UNAUTHORIZED_URL []                 when set, a share of requests go here and must be blocked\n' +
        '  UNAUTHORIZED_SHARE [0.1]            that share\n' +
        '  SCENARIO_FILE []                    YAML or JSON scenario file instead of the default mix\n' +
        '  HOST [0.0.0.0]  METRICS_PORT [9464] where /metrics, /health and /ready are served\n' +
        '  CONNECTIONS [4]  MAX_IN_FLIGHT [200]  TIMEOUT_MS [2000]  LOG_LEVEL [info]  SUMMARY_INTERVAL_MS [60000]\n' +
        '  SHUTDOWN_DELAY_MS [5000]  SHUTDOWN_DRAIN_TIMEOUT_MS [15000]',
    )
    .action(async () => {
      // Loaded on demand: a load run should not pay for parsing Fastify, pino and prom-client at start.
      const { runLoadService } = await import('../service/run-load-service');
      await runLoadService();
      // Exits on its own signal handling; the code is set there.
      setExit(-1);
    });

  program
    .command('probe')
    .description('one request on one fresh connection; prints {"url","allowed","outcome",...} as JSON')
    .argument('<url>', 'http or https URL to probe')
    .addOption(
      new Option('-t, --timeout <time>', 'give up after this long (connect and answer)')
        .argParser(parsePositiveDuration)
        .default(3000, '3s'),
    )
    .addOption(new Option('-X, --method <method>', 'HTTP method').default('GET'))
    .addOption(
      new Option('-H, --header <header>', 'request header "Name: value" (repeatable)').argParser(
        collect(parseHeader),
      ),
    )
    .addOption(
      new Option('--blocked-status <codes>', 'comma-separated statuses that mean denied')
        .argParser(parseStatuses)
        .default([403], '403'),
    )
    .addOption(
      new Option(
        '--termination-message <path>',
        'also write the verdict {"target","verdict","allowed","status","reason"} as JSON to this file',
      ).default(undefined, '/dev/termination-log when it exists, as in a pod'),
    )
    .addHelpText(
      'after',
      '\nallowed: an HTTP answer other than a blocked status came back (a 404 still proves the connection).\n' +
        "blocked: refused, reset, timed out, a blocked status, or an Envoy sidecar's connect-failure reply.\n" +
        'Exit codes: 0 allowed, 1 blocked, 2 usage error, 3 inconclusive (e.g. DNS failure).',
    )
    .action(
      async (
        url: string,
        flags: {
          timeout: number;
          method: string;
          header?: [string, string][];
          blockedStatus: number[];
          terminationMessage?: string;
        },
      ) => {
        const { runProbe } = await import('../probe/run-probe');
        const verdictFile = await import('../probe/termination-message');
        const result = await runProbe({
          url: parseHttpUrl(url, 'probe URL'),
          timeoutMs: flags.timeout,
          method: flags.method.toUpperCase(),
          headers: Object.fromEntries(flags.header ?? []),
          blockedStatuses: flags.blockedStatus,
        });
        // The verdict file first: the kubelet reads it once the process exits, whatever stdout does.
        const path = verdictFile.terminationMessagePath(flags.terminationMessage);
        if (path !== undefined) verdictFile.writeTerminationMessage(path, verdictFile.toProbeVerdict(result));
        await new Promise<void>((done) => process.stdout.write(`${JSON.stringify(result)}\n`, () => done()));
        setExit(
          result.outcome === 'allowed'
            ? EXIT.ok
            : result.outcome === 'blocked'
              ? EXIT.failed
              : EXIT.unreachable,
        );
      },
    );

  program.addHelpText('after', EXIT_CODES_HELP);
  return program;
}

/**
 * Runs the CLI and resolves to the exit code (-1: service mode, which owns the process's exit). Usage problems,
 * from commander or from our own checks, are one `loadtest: ...` line on stderr and exit code 2.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = createProgram((value) => (code = value));
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.help' ||
        error.code === 'commander.version'
        ? EXIT.ok
        : EXIT.usage;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`loadtest: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

function parseStatuses(text: string): number[] {
  const codes = text.split(',').map((part) => Number(part.trim()));
  if (codes.some((value) => !Number.isInteger(value) || value < 100 || value > 599)) {
    throw new InvalidArgumentError('expected HTTP status codes such as 403,503');
  }
  return codes;
}

function checkWritable(file: string): void {
  const directory = dirname(resolve(file));
  try {
    accessSync(directory, constants.W_OK);
  } catch {
    throw new UsageError(`--json ${file}: directory ${directory} does not exist or is not writable`);
  }
}
