import { Environment } from '@marcbachmann/cel-js';
import type { RenderedObject } from '../rendered-object';
import type { JsonSchema } from './make-strict-schema';

/** What the CEL rules of one object's CRD said about it. */
export interface CelVerdict {
  /** `<field path>: <the rule's message>` for each rule the object breaks, as the API server words it. */
  readonly problems: string[];
  /** Rules that could not be evaluated offline (a CEL extension the library lacks), with why. */
  readonly unchecked: string[];
}

/** Evaluates the `x-kubernetes-validations` CEL rules of CRD schemas on objects, as an API server does on create. */
export interface CrdCelChecker {
  /** The verdict on `object`; an object whose kind has no schema gets an empty one. */
  check(object: RenderedObject): CelVerdict;
}

interface ValidationRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
}

type Program = ReturnType<Environment['parse']>;

/**
 * A CEL checker over CRD schemas (group/version/Kind → openAPIV3Schema, as loadCrdSchemas reads them), using
 * @marcbachmann/cel-js. Semantics follow the Kubernetes CRD validation rules for a create: `self` is the value at
 * the rule's node (absent values are not checked), transition rules (those naming `oldSelf`) are not evaluated
 * (there is no old object on create), `integer` fields are CEL ints, and a rule without `message` is reported as
 * `failed rule: <rule>`. A rule that needs a Kubernetes CEL library function cel-js lacks (`url()`, `isURL()`,
 * `quantity()`, `ip()`...) is reported as unchecked, never guessed. Defaults are not applied first (the server
 * does): a rule that depends on a defaulted field may differ. Pure apart from a per-rule parse cache.
 */
export function createCrdCelChecker(schemas: ReadonlyMap<string, JsonSchema>): CrdCelChecker {
  const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });
  const programs = new Map<string, Program | Error>();
  const program = (source: string): Program => {
    let parsed = programs.get(source);
    if (!parsed) {
      try {
        parsed = env.parse(source);
      } catch (error) {
        parsed = error as Error;
      }
      programs.set(source, parsed);
    }
    if (parsed instanceof Error) throw parsed;
    return parsed;
  };

  return {
    check(object) {
      const problems: string[] = [];
      const unchecked: string[] = [];
      const schema = schemas.get(`${object.apiVersion}/${object.kind}`);
      if (!schema) return { problems, unchecked };
      const visit = (node: JsonSchema, value: unknown, path: string): void => {
        if (value === undefined || value === null) return;
        const self = value;
        for (const rule of (node['x-kubernetes-validations'] ?? []) as ValidationRule[]) {
          if (/\boldSelf\b/.test(rule.rule)) continue;
          const at = rule.fieldPath ? `${path}${rule.fieldPath}` : path || '<root>';
          let passed: unknown;
          try {
            passed = program(rule.rule)({ self });
          } catch (error) {
            const reason = (error as Error).message.split('\n')[0];
            unchecked.push(`${at}: rule ${JSON.stringify(rule.rule)} not evaluated offline (${reason})`);
            continue;
          }
          if (passed !== true) problems.push(`${at}: ${message(rule, self, program)}`);
        }
        if (Array.isArray(value)) {
          const items = node.items as JsonSchema | undefined;
          if (items) value.forEach((item, index) => visit(items, item, `${path}[${index}]`));
          return;
        }
        if (typeof value !== 'object') return;
        const entries = Object.entries(value as Record<string, unknown>);
        const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
        const additional = node.additionalProperties;
        for (const [key, child] of entries) {
          const childSchema =
            properties[key] ?? (typeof additional === 'object' ? (additional as JsonSchema) : undefined);
          if (!childSchema) continue;
          visit(childSchema, child, properties[key] ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);
        }
      };
      // At the root, CEL sees only metadata.name and metadata.generateName (as the API server exposes them).
      const { metadata, ...rest } = object as unknown as Record<string, unknown>;
      const { name, generateName } = (metadata ?? {}) as Record<string, unknown>;
      const root = {
        ...rest,
        metadata: {
          ...(name === undefined ? {} : { name }),
          ...(generateName === undefined ? {} : { generateName }),
        },
      };
      // Converted once at the root (not at each node): visit walks CEL values.
      const rootSchema = {
        ...schema,
        properties: { ...(schema.properties ?? {}), metadata: { type: 'object' } },
      };
      visit(rootSchema, toCel(rootSchema, root), '');
      return { problems, unchecked };
    },
  };
}

/** The rule's message: messageExpression when it evaluates to a string, else message, else `failed rule: ...`. */
function message(rule: ValidationRule, self: unknown, program: (source: string) => Program): string {
  if (rule.messageExpression) {
    try {
      const text = program(rule.messageExpression)({ self });
      if (typeof text === 'string' && text !== '') return text;
    } catch {
      // The server falls back to message as well when messageExpression fails.
    }
  }
  return rule.message ?? `failed rule: ${rule.rule}`;
}

/** `value` as CEL sees it under `node`: integers (and int-or-string numbers) become CEL ints (bigint). */
function toCel(node: JsonSchema, value: unknown): unknown {
  if (typeof value === 'number') {
    const integer = node.type === 'integer' || node['x-kubernetes-int-or-string'] === true;
    return integer && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) {
    const items = (node.items ?? {}) as JsonSchema;
    return value.map((item) => toCel(items, item));
  }
  if (value !== null && typeof value === 'object') {
    const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
    const additional = typeof node.additionalProperties === 'object' ? node.additionalProperties : {};
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, child]) => [
        key,
        toCel(properties[key] ?? (additional as JsonSchema), child),
      ]),
    );
  }
  return value;
}
