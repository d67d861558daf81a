#!/usr/bin/env node
// docs/adr/README.md, the index of the decisions, generated from the ADRs' own title and status lines so that
// a status is written once (in its ADR). `node scripts/adr-index.mjs` writes the index; `--check` (run by
// `npm test`) exits 1 naming the ADR when the index is stale or an ADR lacks its title or status line.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '..', 'docs', 'adr');
const indexFile = join(dir, 'README.md');
const TITLE = /^# (\d{4})\. (.+)$/;
const STATUS = /^- Status: (.+)$/;
// How far down an ADR its status line may stand (title, blank line, status).
const STATUS_WITHIN_LINES = 4;

/** Reads one ADR's number, title and status; a missing line is an error naming the file and line. */
function readAdr(name) {
  const lines = readFileSync(join(dir, name), 'utf8').split('\n');
  const title = TITLE.exec(lines[0]);
  if (!title || !name.startsWith(`${title[1]}-`)) {
    throw new Error(`docs/adr/${name}:1: the first line must be "# NNNN. Title" with the file's number`);
  }
  const at = lines.slice(0, STATUS_WITHIN_LINES).findIndex((line) => STATUS.test(line));
  if (at < 0) {
    throw new Error(
      `docs/adr/${name}:3: no "- Status: ..." line under the title (accepted, amended by NNNN, ...)`,
    );
  }
  let status = STATUS.exec(lines[at])[1];
  // A long status continues on lines indented by two spaces.
  for (let i = at + 1; i < lines.length && /^ {2}\S/.test(lines[i]); i++) status += ` ${lines[i].trim()}`;
  return { name, number: title[1], title: title[2], status };
}

function renderIndex(adrs) {
  const rows = adrs.map(
    ({ name, number, title, status }) =>
      `| [${number}](${name}) | ${title} | ${status.replaceAll('|', '\\|')} |`,
  );
  return [
    '# Decisions (ADRs)',
    '',
    'One file per decision with trade-offs, `NNNN-short-title.md` (context, decision, consequences), numbered in the',
    'order they were taken and never renumbered (missing numbers were never used). Each starts with `# NNNN. Title`',
    'and a `- Status:` line: `accepted`, and what later changed it (`amended by NNNN`, `refined by NNNN`,',
    '`superseded by NNNN`); the later ADR names what it changes in its own status line.',
    '',
    'This index is generated from those two lines: edit the ADR, then run `node scripts/adr-index.mjs`;',
    '`npm test` fails while the index is stale.',
    '',
    '| ADR | decision | status |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

const check = process.argv.includes('--check');
try {
  const names = readdirSync(dir)
    .filter((name) => /^\d{4}-.+\.md$/.test(name))
    .sort();
  if (names.length === 0) throw new Error('docs/adr: no ADR files (NNNN-title.md) found');
  const index = renderIndex(names.map(readAdr));
  if (!check) {
    writeFileSync(indexFile, index);
    console.log(`docs/adr/README.md: ${names.length} ADRs indexed`);
  } else {
    let current = '';
    try {
      current = readFileSync(indexFile, 'utf8');
    } catch {
      // A missing index is stale like any other.
    }
    if (current !== index) {
      console.error('docs/adr/README.md is stale: run `node scripts/adr-index.mjs` and commit the result');
      process.exit(1);
    }
    console.log(`docs/adr/README.md: current (${names.length} ADRs)`);
  }
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
