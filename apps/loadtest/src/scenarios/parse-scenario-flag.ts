import { UsageError } from '../usage-error';
import type { ScenarioSpec } from './scenario-file-schema';
import { formatPath, scenarioSpecValidator, schemaProblems } from './schema-problems';

/**
 * Parses `--scenario name=data,path=/api/data,weight=70[,method=POST][,url=...][,unauthorized]` into a
 * scenario. Values cannot contain commas (use a scenario file for those).
 */
export function parseScenarioFlag(text: string): ScenarioSpec {
  const spec: Record<string, unknown> = {};
  for (const part of text.split(',')) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const equals = trimmed.indexOf('=');
    const key = equals < 0 ? trimmed : trimmed.slice(0, equals).trim();
    const raw = equals < 0 ? undefined : trimmed.slice(equals + 1).trim();
    switch (key) {
      case 'weight':
        spec[key] = raw === undefined || raw === '' || Number.isNaN(Number(raw)) ? raw : Number(raw);
        break;
      case 'unauthorized':
        spec[key] = raw === undefined || raw === 'true' ? true : raw === 'false' ? false : raw;
        break;
      case 'blocked':
        spec['blockedStatuses'] = (raw ?? '')
          .split('/')
          .map((code) => (/^\d+$/.test(code) ? Number(code) : code));
        break;
      case 'method':
        spec[key] = raw?.toUpperCase();
        break;
      default:
        spec[key] = raw;
    }
  }
  const validate = scenarioSpecValidator();
  if (!validate(spec)) {
    const problems = schemaProblems(validate.errors).map(
      (problem) => `${formatPath(problem.path).replace('blockedStatuses', 'blocked')} ${problem.message}`,
    );
    throw new UsageError(`invalid --scenario "${text}": ${problems.join('; ')}`);
  }
  return spec;
}
