/** The shape of an Ajv error (kubernetes-models' precompiled validators report the same shape). */
export interface SchemaError {
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: unknown;
}

/** One line per schema error: the JSON pointer of the offending field, then what is wrong with it. */
export function describeSchemaError(problem: SchemaError): string {
  const params = (problem.params ?? {}) as {
    allowedValues?: unknown[];
    missingProperty?: string;
    additionalProperty?: string;
  };
  const field = params.missingProperty ?? params.additionalProperty;
  const path = `${problem.instancePath ?? ''}${field ? `/${field}` : ''}` || '/';
  if (params.additionalProperty) return `${path}: unknown field`;
  const allowed = params.allowedValues ? ` (${params.allowedValues.join(', ')})` : '';
  return `${path}: ${problem.message ?? 'is invalid'}${allowed}`;
}

/**
 * The errors worth reading, one line each: an `anyOf`/`oneOf` failure makes Ajv report every branch, so errors
 * at a path that is a strict prefix of another error's path (the branches that failed higher up) are dropped,
 * and duplicates removed. What remains points at the deepest offending fields.
 */
export function describeSchemaErrors(problems: readonly SchemaError[]): string[] {
  const lines = [...new Set(problems.map(describeSchemaError))];
  const paths = lines.map((line) => line.slice(0, line.indexOf(': ')));
  return lines.filter((_line, index) =>
    paths.every((other, otherIndex) => otherIndex === index || !other.startsWith(`${paths[index]}/`)),
  );
}
