import Table from 'cli-table3';

/** The width every line of ztctl's human output fits (the project's CLI rule); `--json` carries full detail. */
export const MAX_COLUMNS = 100;

/**
 * Breaks `text` into lines of at most `width` characters: at spaces, else after a `/` or `,` or before a `[` inside a
 * long word (identifiers such as `istio-system/ingress-gateway[Peer]`), else hard at `width`.
 */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  const push = () => {
    if (line) lines.push(line);
    line = '';
  };
  for (let word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length <= width) {
      line += ` ${word}`;
      continue;
    }
    push();
    while (word.length > width) {
      const head = word.slice(0, width);
      // After a `/` or `,`, or before a `[`: the places an identifier reads well broken.
      const cut = Math.max(head.lastIndexOf('/') + 1, head.lastIndexOf(',') + 1, head.lastIndexOf('['));
      const at = cut > width / 3 ? cut : width;
      lines.push(word.slice(0, at));
      word = word.slice(at);
    }
    line = word;
  }
  push();
  return lines.length > 0 ? lines : [''];
}

/** One line of prose wrapped to MAX_COLUMNS, continuation lines indented by `indent` spaces more. */
export function wrapLine(text: string, indent = 4): string {
  const lead = /^ */.exec(text)?.[0] ?? '';
  const [first, ...rest] = wrapText(text.trim(), MAX_COLUMNS - lead.length - indent);
  return [lead + first, ...rest.map((part) => lead + ' '.repeat(indent) + part)].join('\n');
}

/**
 * A plain table whose every line fits MAX_COLUMNS: columns keep their natural width while that fits, else the
 * widest are narrowed to a common cap and their cells wrapped (wrapText), never truncated.
 */
export function fitTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const natural = head.map((title, i) =>
    Math.max(
      title.length,
      ...rows.map((row) =>
        Math.max(
          ...String(row[i] ?? '')
            .split('\n')
            .map((l) => l.length),
        ),
      ),
    ),
  );
  // Each column has a border and one space of padding on each side; one more border closes the row.
  const budget = MAX_COLUMNS - (3 * head.length + 1);
  let cap = Math.max(...natural);
  const total = (limit: number) => natural.reduce((sum, width) => sum + Math.min(width, limit), 0);
  while (cap > 4 && total(cap) > budget) cap--;
  const widths = natural.map((width) => Math.min(width, cap));
  const table = new Table({
    head: head.map(String),
    colWidths: widths.map((width) => width + 2),
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1 },
  });
  for (const row of rows) table.push(row.map((cell, i) => wrapText(String(cell), widths[i]).join('\n')));
  return table.toString();
}
