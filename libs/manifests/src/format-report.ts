import Table from 'cli-table3';
import type { ValidationReport } from './validate-repo';

/** Exit code for a report: 0 when nothing was found, 1 for findings (bad input is 2, raised as an error). */
export function reportExitCode(report: ValidationReport): 0 | 1 {
  return report.findings.length === 0 ? 0 : 1;
}

/** The report for people: what was rendered, what was skipped (loudly), then one table row per finding. */
export function formatReport(report: ValidationReport): string {
  const lines: string[] = [];
  for (const target of report.targets) {
    const routes =
      target.routes.length > 0 ? `, ${target.routes.length} paths asked of the running apps` : '';
    lines.push(`rendered ${target.target}: ${target.objects} objects${routes}`);
  }
  for (const reason of report.skipped) lines.push(`SKIPPED ${reason}`);
  lines.push(`checks: ${report.checks.join(', ')}`);
  if (report.findings.length === 0) {
    lines.push(`OK: ${report.targets.length} targets, no findings`);
    return lines.join('\n');
  }
  const table = new Table({
    head: ['check', 'target', 'object', 'finding'],
    wordWrap: true,
    colWidths: [18, 30, 30, 60],
    // Plain text: the report is read in CI logs and piped to files as often as on a terminal.
    style: { head: [], border: [] },
  });
  for (const finding of report.findings)
    table.push([finding.check, finding.target, finding.object, finding.message]);
  lines.push(table.toString(), `${report.findings.length} findings`);
  return lines.join('\n');
}
