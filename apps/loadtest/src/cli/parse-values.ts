import { InvalidArgumentError } from 'commander';

const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `500ms`, `30s`, `2m`, `1h`, `1m30s` into ms; bare numbers are refused (is `30` seconds or ms?). */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) {
    throw new InvalidArgumentError(`expected a duration with a unit, like 500ms, 30s, 2m or 1m30s`);
  }
  let total = 0;
  for (const [, value, unit] of trimmed.matchAll(DURATION_PART))
    total += Number(value) * (UNIT_MS[unit ?? 's'] ?? 0);
  return total;
}

/** A positive duration (a zero timeout or duration is a mistake, not a request for "none"). */
export function parsePositiveDuration(text: string): number {
  const value = parseDuration(text);
  if (value <= 0) throw new InvalidArgumentError('must be longer than 0');
  return value;
}

/** A request rate per second, or `max` (as fast as possible: closed model only). */
export function parseRate(text: string): number | 'max' {
  if (text.trim().toLowerCase() === 'max') return 'max';
  const value = Number(text);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(text) || !(value > 0) || value > 1_000_000) {
    throw new InvalidArgumentError('expected requests per second: a number above 0 (up to 1000000) or "max"');
  }
  return value;
}

/** A whole number >= 1. */
export function parsePositiveInteger(text: string): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError('expected a whole number of at least 1');
  }
  return value;
}

/** A fraction above 0 and below 1 (`0.1`), or a percentage (`10%`). */
export function parseShare(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  const value = match ? Number(match[1]) / (match[2] ? 100 : 1) : NaN;
  if (!(value > 0 && value < 1))
    throw new InvalidArgumentError('expected a fraction between 0 and 1 (0.1) or a percentage (10%)');
  return value;
}

/** `Name: value` into a [name, value] pair. */
export function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon < 0 ? '' : text.slice(0, colon).trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new InvalidArgumentError('expected "Name: value" with a valid header name');
  }
  const value = text.slice(colon + 1).trim();
  if (/[\r\n\0]/.test(value)) throw new InvalidArgumentError('header values cannot contain line breaks');
  return [name.toLowerCase(), value];
}

/** Collects a repeatable option's values. */
export function collect<T>(parse: (text: string) => T): (text: string, previous: T[] | undefined) => T[] {
  return (text, previous) => [...(previous ?? []), parse(text)];
}
