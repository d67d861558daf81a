/** A parsed Calico selector: a predicate over a label set. */
export type CalicoSelector = (labels: Readonly<Record<string, string>>) => boolean;

/**
 * Parses the subset of Calico's selector language that policies use: `all()`, `global()`, `has(k)`,
 * `k == 'v'`, `k != 'v'`, `k in {'a', 'b'}`, `k not in {...}`, `!`, `&&`, `||` and parentheses. Throws on
 * anything else (the caller reports it: a selector this parser cannot read is not silently treated as a match).
 */
export function parseCalicoSelector(text: string): CalicoSelector {
  const tokens = tokenize(text);
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];
  const expect = (token: string) => {
    if (next() !== token) throw new Error(`selector "${text}": expected ${token}`);
  };

  const primary = (): CalicoSelector => {
    const token = next();
    if (token === undefined) throw new Error(`selector "${text}": unexpected end`);
    if (token === '(') {
      const inner = or();
      expect(')');
      return inner;
    }
    if (token === '!') {
      const inner = primary();
      return (labels) => !inner(labels);
    }
    if (token === 'all' || token === 'global') {
      expect('(');
      expect(')');
      return () => true;
    }
    if (token === 'has') {
      expect('(');
      const key = next();
      expect(')');
      return (labels) => key !== undefined && key in labels;
    }
    const key = token;
    const operator = next();
    if (operator === '==' || operator === '!=') {
      const value = unquote(next(), text);
      return operator === '==' ? (labels) => labels[key] === value : (labels) => labels[key] !== value;
    }
    const negated = operator === 'not';
    if (negated) expect('in');
    else if (operator !== 'in') throw new Error(`selector "${text}": unsupported operator ${operator}`);
    expect('{');
    const values: string[] = [];
    while (peek() !== '}') {
      values.push(unquote(next(), text));
      if (peek() === ',') next();
    }
    expect('}');
    return negated
      ? (labels) => !values.includes(labels[key] ?? '\u0000')
      : (labels) => labels[key] !== undefined && values.includes(labels[key]);
  };
  const and = (): CalicoSelector => {
    let left = primary();
    while (peek() === '&&') {
      next();
      const first = left;
      const right = primary();
      left = (labels) => first(labels) && right(labels);
    }
    return left;
  };
  function or(): CalicoSelector {
    let left = and();
    while (peek() === '||') {
      next();
      const first = left;
      const right = and();
      left = (labels) => first(labels) || right(labels);
    }
    return left;
  }
  const selector = or();
  if (position !== tokens.length) throw new Error(`selector "${text}": unexpected ${peek()}`);
  return selector;
}

function tokenize(text: string): string[] {
  const pattern = /\s*(&&|\|\||==|!=|[(){},!]|'[^']*'|"[^"]*"|[A-Za-z0-9_./-]+)/y;
  const tokens: string[] = [];
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < text.trimEnd().length && (match = pattern.exec(text))) tokens.push(match[1]);
  if (pattern.lastIndex < text.trimEnd().length) throw new Error(`selector "${text}": cannot read it`);
  return tokens;
}

function unquote(token: string | undefined, text: string): string {
  if (token && /^(['"]).*\1$/.test(token)) return token.slice(1, -1);
  throw new Error(`selector "${text}": expected a quoted value, got ${token}`);
}
