import type { SourceRef } from './manifest-objects';

/**
 * Something the analyzer read but cannot decide (an unsupported field, a CUSTOM provider, an ipBlock it cannot
 * place) or a fact worth knowing. It is reported, never silently read as allow or deny.
 */
export interface AnalysisFinding {
  /** `unmodelled`: semantics the analyzer does not evaluate; `note`: an assumption it made. */
  readonly severity: 'unmodelled' | 'note';
  readonly object: string;
  readonly field: string;
  readonly message: string;
  readonly source?: SourceRef;
}

/** Collects findings without duplicates. */
export class FindingLog {
  private readonly seen = new Set<string>();
  readonly items: AnalysisFinding[] = [];

  add(finding: AnalysisFinding): void {
    const key = `${finding.severity}|${finding.object}|${finding.field}|${finding.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push(finding);
  }
}
