import Table from 'cli-table3';
import type { ValidationReport } from './validate-repo';

/** How a report is judged. */
export interface ReportOptions {
  /** A skipped check counts as a failure (exit 1), as in CI (default false). */
  readonly strict?: boolean;
}

/**
 * Whether a report passes: no findings, and with `strict` no skipped check either (bad input never makes a
 * report: it is raised as a ManifestError).
 */
export function reportPassed(report: ValidationReport, options: ReportOptions = {}): boolean {
  if (report.findings.length > 0) return false;
  return !(options.strict && report.skipped.length > 0);
}

/**
 * The report for people: what was rendered, what was skipped (loudly), then one table row per finding. `OK` only
 * when nothing was skipped: a skipped check proves nothing, so the verdict then says INCOMPLETE (or FAILED with
 * `strict`).
 */
export function formatReport(report: ValidationReport, options: ReportOptions = {}): string {
  const lines: string[] = [];
  for (const target of report.targets) {
    const routes =
      target.routes.length > 0 ? `, ${target.routes.length} paths asked of the running apps` : '';
    lines.push(`rendered ${target.target}: ${target.objects} objects${routes}`);
  }
  if (report.schemas) lines.push(`schemas: ${report.schemas.dir} (${report.schemas.source})`);
  for (const reason of report.skipped) lines.push(`SKIPPED ${reason}`);
  for (const reason of report.omitted) lines.push(`omitted ${reason}`);
  lines.push(`checks: ${report.checks.join(', ')}`);
  if (report.findings.length === 0) {
    const skips = report.skipped.length;
    if (skips === 0) lines.push(`OK: ${report.targets.length} targets, no findings`);
    else
      lines.push(
        `${options.strict ? 'FAILED (--strict)' : 'INCOMPLETE'}: ${report.targets.length} targets, no findings, ` +
          `but ${skips} ${skips === 1 ? 'check was' : 'checks were'} skipped (SKIPPED above: what and how to get it)`,
      );
    return lines.join('\n');
  }
  const table = new Table({
    head: ['check', 'target', 'object', 'finding'],
    wordWrap: true,
    colWidths: [14, 22, 22, 36], // 94 + 5 borders: fits 100 columns
    // Plain text: the report is read in CI logs and piped to files as often as on a terminal.
    style: { head: [], border: [] },
  });
  for (const finding of report.findings)
    table.push([finding.check, finding.target, finding.object, finding.message]);
  const skipped = report.skipped.length > 0 ? ` (and ${report.skipped.length} skipped checks)` : '';
  lines.push(table.toString(), `${report.findings.length} findings${skipped}`);
  return lines.join('\n');
}
