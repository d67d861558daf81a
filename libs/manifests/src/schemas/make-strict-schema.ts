/** A JSON Schema node as found in CRDs (OpenAPI v3 subset plus x-kubernetes-* extensions). */
export type JsonSchema = { readonly [keyword: string]: unknown };

/**
 * Returns a copy of `schema` that rejects unknown fields the way a real API server does (strict field
 * validation): every object schema that lists `properties` and neither sets `additionalProperties` nor
 * `x-kubernetes-preserve-unknown-fields` gets `additionalProperties: false`. Pure; `schema` is not changed.
 */
export function makeStrictSchema(schema: JsonSchema): JsonSchema {
  const copy: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) copy[keyword] = strictValue(keyword, value);
  if (
    isPlainObject(schema.properties) &&
    schema.additionalProperties === undefined &&
    schema['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    copy.additionalProperties = false;
  }
  return copy;
}

function strictValue(keyword: string, value: unknown): unknown {
  // Under these keywords the values are names mapped to schemas, not schemas themselves.
  if (
    (keyword === 'properties' || keyword === 'definitions' || keyword === '$defs') &&
    isPlainObject(value)
  ) {
    return Object.fromEntries(
      Object.entries(value).map(([name, child]) => [
        name,
        isPlainObject(child) ? makeStrictSchema(child) : child,
      ]),
    );
  }
  if (Array.isArray(value)) return value.map((item) => (isPlainObject(item) ? makeStrictSchema(item) : item));
  if (isPlainObject(value) && keyword !== 'enum' && keyword !== 'default' && keyword !== 'example') {
    return makeStrictSchema(value);
  }
  return value;
}

function isPlainObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
