import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ManifestError } from '@ztmesh/policy';
import Ajv, { type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { filesUnder } from '../files-under';
import type { RenderedObject } from '../rendered-object';
import { describeSchemaErrors } from './describe-schema-error';
import { makeStrictSchema, type JsonSchema } from './make-strict-schema';
import { unknownFields } from './unknown-fields';

/** Validates custom resources (Istio, Calico, ...) against CRD schemas made strict. */
export interface CrdSchemaValidator {
  /** Every `group/version/Kind` with a schema, sorted. */
  readonly kinds: readonly string[];
  /** Whether a schema for `apiVersion`/`kind` was loaded. */
  knows(apiVersion: string, kind: string): boolean;
  /** Schema problems of `object` (empty when valid). */
  problems(object: RenderedObject): string[];
}

interface CustomResourceDefinition {
  readonly kind?: string;
  readonly spec?: {
    readonly group: string;
    readonly names: { readonly kind: string };
    readonly versions: readonly {
      readonly name: string;
      readonly schema?: { openAPIV3Schema?: JsonSchema };
    }[];
  };
}

/** Reads every CustomResourceDefinition in the `*.yaml` files under `dir` (recursively). */
export function loadCrdSchemas(dir: string): Map<string, JsonSchema> {
  const schemas = new Map<string, JsonSchema>();
  for (const file of filesUnder(dir, /\.ya?ml$/)) {
    const shown = relative(process.cwd(), file) || file;
    for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (document.errors.length > 0) throw new ManifestError(shown, '', document.errors[0].message);
      const crd = document.toJS() as CustomResourceDefinition | null;
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      for (const version of crd.spec.versions) {
        const schema = version.schema?.openAPIV3Schema;
        if (schema) schemas.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, schema);
      }
    }
  }
  return schemas;
}

/**
 * A strict validator over CRD schemas (see makeStrictSchema). apiVersion, kind and metadata are accepted at the
 * top level even where a CRD does not list them; metadata is checked against ObjectMeta's field list.
 * Schemas compile lazily, on the first object of their kind.
 */
export function createCrdSchemaValidator(schemas: ReadonlyMap<string, JsonSchema>): CrdSchemaValidator {
  // CEL rules and OpenAPI formats (int32, ...) are not JSON Schema; Ajv ignores them rather than failing.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (key: string): ValidateFunction | undefined => {
    const schema = schemas.get(key);
    if (!schema) return undefined;
    let validate = compiled.get(key);
    if (!validate) {
      const properties = (schema.properties ?? {}) as Record<string, unknown>;
      validate = ajv.compile(
        makeStrictSchema({
          ...schema,
          properties: {
            apiVersion: { type: 'string' },
            kind: { type: 'string' },
            ...properties,
            metadata: { type: 'object' },
          },
        }),
      );
      compiled.set(key, validate);
    }
    return validate;
  };
  return {
    kinds: [...schemas.keys()].sort(),
    knows: (apiVersion, kind) => schemas.has(`${apiVersion}/${kind}`),
    problems(object) {
      const validate = validatorFor(`${object.apiVersion}/${object.kind}`);
      if (!validate) return [`no schema for ${object.apiVersion}/${object.kind}`];
      const problems = validate(object) ? [] : describeSchemaErrors(validate.errors ?? []);
      problems.push(...unknownFields(object.metadata, 'V1ObjectMeta', '/metadata'));
      return [...new Set(problems)];
    },
  };
}
