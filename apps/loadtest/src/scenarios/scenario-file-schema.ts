import { Type, type Static } from '@sinclair/typebox';

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Header names and values as written by a person (names are lower-cased when resolved). */
export const HeadersSchema = Type.Record(
  Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }),
  Type.String(),
);

/** One scenario as written in a scenario file or a `--scenario` flag. */
export const ScenarioSpecSchema = Type.Object(
  {
    // Becomes a Prometheus label value and a table row: short and plain.
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    url: Type.Optional(Type.String({ minLength: 1, description: 'Absolute URL (http or https)' })),
    path: Type.Optional(Type.String({ pattern: '^/', description: 'Path (and query) under the target URL' })),
    method: Type.Optional(
      Type.Unsafe<(typeof HTTP_METHODS)[number]>({ type: 'string', enum: [...HTTP_METHODS] }),
    ),
    weight: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Relative share; default 1' })),
    headers: Type.Optional(HeadersSchema),
    body: Type.Optional(Type.String()),
    unauthorized: Type.Optional(Type.Boolean({ description: 'Must be blocked by policy; a 2xx is a leak' })),
    blockedStatuses: Type.Optional(
      Type.Array(Type.Integer({ minimum: 300, maximum: 599 }), { minItems: 1, uniqueItems: true }),
    ),
  },
  { additionalProperties: false },
);

/** A scenario as written (before its URL is resolved). */
export type ScenarioSpec = Static<typeof ScenarioSpecSchema>;

/** A scenario file (YAML or JSON): an optional base target and shared headers, then the weighted mix. */
export const ScenarioFileSchema = Type.Object(
  {
    target: Type.Optional(Type.String({ minLength: 1, description: 'Base URL for scenarios given by path' })),
    headers: Type.Optional(HeadersSchema),
    scenarios: Type.Array(ScenarioSpecSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

/** A parsed and validated scenario file. */
export type ScenarioFile = Static<typeof ScenarioFileSchema>;
