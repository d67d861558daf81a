import { runCli } from './cli/run-cli';

// A reader that went away (`loadtest ... | head`) is not an error worth a stack trace: the run still ends with
// its own exit code.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

// A finished run exits at once with its code: a connection attempt still pending in the kernel (a target that
// drops SYNs) must not hold the process open. Service mode (-1) owns its own exit.
void runCli(process.argv).then((code) => {
  if (code >= 0) process.exit(code);
});
