import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import {
  ScenarioFileSchema,
  ScenarioSpecSchema,
  type ScenarioFile,
  type ScenarioSpec,
} from './scenario-file-schema';

let ajv: Ajv | undefined;
let fileValidator: ValidateFunction<ScenarioFile> | undefined;
let specValidator: ValidateFunction<ScenarioSpec> | undefined;

// Compiled on first use: most runs use the default mix and never pay for compiling schemas at start.
// `validateSchema: false`: otherwise Ajv compiles the JSON-schema meta-schema to check our own two fixed schemas
// (checked by the tests) at every start, about a fifth of a run's start-up CPU (docs/adr/0014).
function compiler(): Ajv {
  return (ajv ??= new Ajv({ allErrors: true, strict: false, validateSchema: false }));
}

/** The validator of a whole scenario file. */
export function scenarioFileValidator(): ValidateFunction<ScenarioFile> {
  return (fileValidator ??= compiler().compile<ScenarioFile>(ScenarioFileSchema));
}

/** The validator of one scenario (from a `--scenario` flag). */
export function scenarioSpecValidator(): ValidateFunction<ScenarioSpec> {
  return (specValidator ??= compiler().compile<ScenarioSpec>(ScenarioSpecSchema));
}

/** One schema violation: where (as a path of keys) and what. */
export interface SchemaProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Turns Ajv's errors into problems that name the offending field (`scenarios[1].weight`). */
export function schemaProblems(errors: readonly ErrorObject[] | null | undefined): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const error of errors ?? []) {
    const path: (string | number)[] = error.instancePath
      .split('/')
      .slice(1)
      .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
    const params = error.params as Record<string, unknown>;
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'additionalProperties') {
      path.push(String(params['additionalProperty']));
      message = 'is not a known field';
    } else if (error.keyword === 'required') {
      path.push(String(params['missingProperty']));
      message = 'is required';
    } else if (error.keyword === 'enum') {
      message = `must be one of ${(params['allowedValues'] as unknown[]).join(', ')}`;
    } else if (error.keyword === 'pattern' && path[path.length - 1] === 'name') {
      message = "must be 1 to 64 letters, digits, '_', '.' or '-'";
    } else if (error.keyword === 'pattern' && path[path.length - 1] === 'path') {
      message = "must start with '/'";
    } else if (
      error.keyword === 'propertyNames' ||
      (error.keyword === 'pattern' && path.includes('headers'))
    ) {
      message = 'is not a valid header name';
    }
    problems.push({ path, message });
  }
  // allErrors can report one field twice (e.g. a propertyNames failure and its pattern); keep one line each.
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${formatPath(problem.path)} ${problem.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** `scenarios[1].headers.x-a` from `['scenarios', 1, 'headers', 'x-a']`. */
export function formatPath(path: readonly (string | number)[]): string {
  let text = '';
  for (const segment of path)
    text += typeof segment === 'number' ? `[${segment}]` : text ? `.${segment}` : segment;
  return text || '(top level)';
}
