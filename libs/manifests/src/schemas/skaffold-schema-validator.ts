import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { describeSchemaErrors } from './describe-schema-error';

/** Validates a parsed skaffold.yaml document; returns its problems (empty when valid). */
export type SkaffoldSchemaValidator = (document: unknown) => string[];

/**
 * Compiles the Skaffold JSON Schema (draft-07, already strict upstream: `additionalProperties: false`) at
 * `schemaFile`. Only the top-level `anyOf` error is unhelpful, so errors are collected against SkaffoldConfig.
 */
export function createSkaffoldSchemaValidator(schemaFile: string): SkaffoldSchemaValidator {
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as {
    definitions?: Record<string, unknown>;
    [keyword: string]: unknown;
  };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  // Validate against the one config definition directly: errors then name the field, not just "anyOf".
  const { anyOf: _anyOf, ...rest } = schema;
  const validate = ajv.compile({ ...rest, $ref: '#/definitions/SkaffoldConfig' });
  return (document) => (validate(document) ? [] : describeSchemaErrors(validate.errors ?? []));
}
