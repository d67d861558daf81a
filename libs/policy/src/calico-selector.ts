import type { Labels } from './label-selector';

/** A parsed Calico selector expression, evaluated against a label map. */
export type CalicoSelector =
  | { readonly op: 'all' }
  | { readonly op: 'global' }
  | { readonly op: 'has'; readonly key: string }
  | {
      readonly op: '==' | '!=' | 'contains' | 'starts with' | 'ends with';
      readonly key: string;
      readonly value: string;
    }
  | { readonly op: 'in' | 'not in'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: '!'; readonly operand: CalicoSelector }
  | { readonly op: '&&' | '||'; readonly left: CalicoSelector; readonly right: CalicoSelector };

/** A selector that does not parse: the message gives the 0-based character position. */
export class CalicoSelectorError extends Error {
  constructor(
    readonly selector: string,
    readonly position: number,
    readonly reason: string,
  ) {
    super(`malformed selector ${JSON.stringify(selector)} at position ${position}: ${reason}`);
    this.name = 'CalicoSelectorError';
  }
}

type Token = { kind: 'ident' | 'string' | 'punct' | 'end'; text: string; pos: number };

const PUNCT = ['&&', '||', '==', '!=', '(', ')', '{', '}', ',', '!'];
const IDENT = /[A-Za-z0-9_./-]/;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const punct = PUNCT.find((p) => src.startsWith(p, i));
    if (punct) {
      tokens.push({ kind: 'punct', text: punct, pos: i });
      i += punct.length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new CalicoSelectorError(src, i, 'unterminated string');
      tokens.push({ kind: 'string', text: src.slice(i + 1, end), pos: i });
      i = end + 1;
      continue;
    }
    if (IDENT.test(c)) {
      const start = i;
      while (i < src.length && IDENT.test(src[i])) i++;
      tokens.push({ kind: 'ident', text: src.slice(start, i), pos: start });
      continue;
    }
    throw new CalicoSelectorError(src, i, `unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: 'end', text: '', pos: src.length });
  return tokens;
}

/** Parses Calico's selector language (==, !=, has(), in {}, not in {}, contains, starts with, ends with, &&, ||, !, all(), global(), parentheses). */
export function parseCalicoSelector(src: string): CalicoSelector {
  const tokens = tokenize(src);
  let at = 0;
  const peek = () => tokens[at];
  const fail = (t: Token, reason: string): never => {
    throw new CalicoSelectorError(src, t.pos, reason);
  };
  const expect = (text: string) => {
    const t = tokens[at];
    if (t.kind === 'end' || t.text !== text || t.kind === 'string')
      fail(t, `expected "${text}"${t.kind === 'end' ? ' before the end' : `, found "${t.text}"`}`);
    at++;
    return t;
  };
  const isPunct = (t: Token, text: string) => t.kind === 'punct' && t.text === text;

  const parseOr = (): CalicoSelector => {
    let left = parseAnd();
    while (isPunct(peek(), '||')) {
      at++;
      left = { op: '||', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): CalicoSelector => {
    let left = parseUnary();
    while (isPunct(peek(), '&&')) {
      at++;
      left = { op: '&&', left, right: parseUnary() };
    }
    return left;
  };
  const parseStringValue = (): string => {
    const t = peek();
    if (t.kind !== 'string')
      fail(t, `expected a quoted value${t.kind === 'end' ? ' before the end' : `, found "${t.text}"`}`);
    at++;
    return t.text;
  };
  const parseUnary = (): CalicoSelector => {
    const t = peek();
    if (isPunct(t, '!')) {
      at++;
      return { op: '!', operand: parseUnary() };
    }
    if (isPunct(t, '(')) {
      at++;
      const inner = parseOr();
      expect(')');
      return inner;
    }
    if (t.kind !== 'ident')
      return fail(
        t,
        t.kind === 'end'
          ? 'expected an expression before the end'
          : `expected a label or function, found "${t.text}"`,
      );
    at++;
    if (isPunct(peek(), '(') && (t.text === 'all' || t.text === 'global' || t.text === 'has')) {
      at++;
      if (t.text === 'has') {
        const key = peek();
        if (key.kind !== 'ident') fail(key, 'expected a label name in has()');
        at++;
        expect(')');
        return { op: 'has', key: key.text };
      }
      expect(')');
      return { op: t.text === 'all' ? 'all' : 'global' };
    }
    const key = t.text;
    const next = peek();
    if (isPunct(next, '==') || isPunct(next, '!=')) {
      at++;
      return { op: next.text as '==' | '!=', key, value: parseStringValue() };
    }
    if (next.kind === 'ident' && next.text === 'in') {
      at++;
      return { op: 'in', key, values: parseSet() };
    }
    if (next.kind === 'ident' && next.text === 'not') {
      at++;
      const inTok = peek();
      if (inTok.kind !== 'ident' || inTok.text !== 'in') fail(inTok, 'expected "in" after "not"');
      at++;
      return { op: 'not in', key, values: parseSet() };
    }
    if (next.kind === 'ident' && next.text === 'contains') {
      at++;
      return { op: 'contains', key, value: parseStringValue() };
    }
    if (next.kind === 'ident' && (next.text === 'starts' || next.text === 'ends')) {
      at++;
      const w = peek();
      if (w.kind !== 'ident' || w.text !== 'with') fail(w, `expected "with" after "${next.text}"`);
      at++;
      return { op: next.text === 'starts' ? 'starts with' : 'ends with', key, value: parseStringValue() };
    }
    return fail(
      next,
      next.kind === 'end'
        ? `expected an operator after "${key}" before the end`
        : `expected an operator after "${key}", found "${next.text}"`,
    );
  };
  const parseSet = (): string[] => {
    expect('{');
    const values: string[] = [];
    if (isPunct(peek(), '}')) {
      at++;
      return values;
    }
    for (;;) {
      values.push(parseStringValue());
      if (isPunct(peek(), ',')) {
        at++;
        continue;
      }
      expect('}');
      return values;
    }
  };

  if (peek().kind === 'end') return { op: 'all' }; // an empty selector selects everything
  const result = parseOr();
  if (peek().kind !== 'end') fail(peek(), `unexpected "${peek().text}"`);
  return result;
}

/** Evaluates a parsed selector against labels. `global()` matches nothing here: the model has no non-namespaced endpoints. */
export function matchesCalicoSelector(sel: CalicoSelector, labels: Labels): boolean {
  switch (sel.op) {
    case 'all':
      return true;
    case 'global':
      return false;
    case 'has':
      return Object.prototype.hasOwnProperty.call(labels, sel.key);
    case '==':
      return labels[sel.key] === sel.value;
    case '!=':
      return labels[sel.key] !== sel.value;
    case 'contains':
      return labels[sel.key]?.includes(sel.value) ?? false;
    case 'starts with':
      return labels[sel.key]?.startsWith(sel.value) ?? false;
    case 'ends with':
      return labels[sel.key]?.endsWith(sel.value) ?? false;
    case 'in':
      return Object.prototype.hasOwnProperty.call(labels, sel.key) && sel.values.includes(labels[sel.key]);
    case 'not in':
      return !Object.prototype.hasOwnProperty.call(labels, sel.key) || !sel.values.includes(labels[sel.key]);
    case '!':
      return !matchesCalicoSelector(sel.operand, labels);
    case '&&':
      return matchesCalicoSelector(sel.left, labels) && matchesCalicoSelector(sel.right, labels);
    case '||':
      return matchesCalicoSelector(sel.left, labels) || matchesCalicoSelector(sel.right, labels);
  }
}
