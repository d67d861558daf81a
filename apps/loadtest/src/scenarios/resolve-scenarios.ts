import { UsageError } from '../usage-error';
import { DEFAULT_SCENARIOS, DEFAULT_UNAUTHORIZED_SHARE } from './default-scenarios';
import type { Scenario } from './scenario';
import type { ScenarioFile, ScenarioSpec } from './scenario-file-schema';

/** Options for resolveScenarios: every source of scenarios the CLI and service mode have. */
export interface ResolveScenariosOptions {
  /** Base URL for scenarios given by path (a scenario file's own `target` wins). */
  readonly target: string;
  readonly file?: { readonly name: string; readonly content: ScenarioFile };
  /** From `--scenario` flags (appended to the file's). */
  readonly specs?: readonly ScenarioSpec[];
  /** Headers for every request (`--header`), beside the file's; scenario headers win. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Adds an `unauthorized` scenario aimed at this URL. */
  readonly unauthorizedUrl?: string;
  /** Its share of all requests, above 0 and below 1; default DEFAULT_UNAUTHORIZED_SHARE. */
  readonly unauthorizedShare?: number;
}

/** Turns scenario specs into absolute, validated scenarios; with none given, the default mix against `target`. */
export function resolveScenarios(options: ResolveScenariosOptions): Scenario[] {
  const fromFile = options.file?.content.scenarios ?? [];
  const specs: { spec: ScenarioSpec; source: string }[] = [
    ...fromFile.map((spec, index) => ({ spec, source: `${options.file?.name}: scenarios[${index}]` })),
    ...(options.specs ?? []).map((spec) => ({ spec, source: `--scenario ${spec.name}` })),
  ];
  if (specs.length === 0) {
    for (const spec of DEFAULT_SCENARIOS) specs.push({ spec, source: `default scenario ${spec.name}` });
  }
  if (options.unauthorizedUrl !== undefined) {
    const share = options.unauthorizedShare ?? DEFAULT_UNAUTHORIZED_SHARE;
    if (!(share > 0 && share < 1))
      throw new UsageError(`the unauthorized share must be above 0 and below 1 (got ${share})`);
    // The weight that makes this scenario `share` of all requests, whatever scale the other weights use.
    const others = specs.reduce((sum, { spec }) => sum + (spec.weight ?? 1), 0);
    specs.push({
      spec: {
        name: 'unauthorized',
        url: options.unauthorizedUrl,
        unauthorized: true,
        weight: (others * share) / (1 - share),
      },
      source: 'the unauthorized URL',
    });
  }
  const base = options.file?.content.target ?? options.target;
  const sharedHeaders = { ...lower(options.file?.content.headers), ...lower(options.headers) };
  const names = new Set<string>();
  return specs.map(({ spec, source }) => {
    if (names.has(spec.name)) throw new UsageError(`${source}: name "${spec.name}" is used twice`);
    names.add(spec.name);
    if ((spec.url === undefined) === (spec.path === undefined)) {
      throw new UsageError(`${source}: give exactly one of url or path`);
    }
    const url =
      spec.url !== undefined
        ? parseHttpUrl(spec.url, `${source}: url`)
        : new URL(
            spec.path as string,
            parseHttpUrl(base, options.file?.content.target ? `${options.file.name}: target` : '--target'),
          );
    const headers = { ...sharedHeaders, ...lower(spec.headers) };
    for (const [name, value] of Object.entries(headers)) {
      if (/[\r\n\0]/.test(value)) throw new UsageError(`${source}: header ${name} contains a line break`);
    }
    return {
      name: spec.name,
      origin: url.origin,
      path: url.pathname + url.search,
      method: spec.method ?? 'GET',
      weight: spec.weight ?? 1,
      headers,
      body: spec.body,
      unauthorized: spec.unauthorized ?? false,
      blockedStatuses: spec.blockedStatuses ?? [403],
    };
  });
}

/** Parses an absolute http(s) URL or throws a UsageError naming `what`. */
export function parseHttpUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${what}: "${text}" is not an absolute URL (for example http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${what}: "${text}" must be an http or https URL`);
  }
  return url;
}

function lower(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) result[name.toLowerCase()] = value;
  return result;
}
