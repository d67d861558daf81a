import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { UsageError } from '../usage-error';
import type { ScenarioFile } from './scenario-file-schema';
import { formatPath, scenarioFileValidator, schemaProblems } from './schema-problems';

/**
 * Reads a scenario file (YAML, or JSON, which is YAML too) and validates it. Every problem becomes a UsageError
 * naming the file, the line and the field, e.g. `scenarios.yaml:7: scenarios[1].weight must be > 0`.
 */
export function loadScenarioFile(file: string): ScenarioFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(
      `cannot read scenario file ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  return parseScenarioFile(text, file);
}

/** Parses and validates scenario file text; `file` is only used in messages. */
export function parseScenarioFile(text: string, file: string): ScenarioFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const syntax = document.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0];
    const where = line ? `${file}:${line.line}:${line.col}` : file;
    const message = (syntax.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new UsageError(`invalid scenario file ${where}: ${message}`);
  }
  const value: unknown = document.toJS();
  const validate = scenarioFileValidator();
  if (!validate(value)) {
    const lines = schemaProblems(validate.errors).map((problem) => {
      const line = lineOf(document, lineCounter, problem.path);
      return `${file}${line ? `:${line}` : ''}: ${formatPath(problem.path)} ${problem.message}`;
    });
    throw new UsageError(`invalid scenario file ${lines.join('; ')}`);
  }
  return value;
}

/** The line of the node at `path`, or of its closest existing parent (a missing field points at its object). */
function lineOf(document: Document, lineCounter: LineCounter, path: readonly (string | number)[]): number {
  for (let length = path.length; length >= 0; length--) {
    const node = length === 0 ? document.contents : document.getIn(path.slice(0, length), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return 0;
}
