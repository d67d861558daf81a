import { join } from 'node:path';
import { createDashboard } from './create-dashboard';

/** Where the generated dashboard JSON lives: the observability component's configMapGenerator reads it. */
export const DASHBOARD_FILE = join(__dirname, '../../../observability/dashboards/ztmesh.json');

/** The dashboard as the committed file holds it (2-space JSON and a final newline). */
export function renderDashboard(): string {
  return `${JSON.stringify(createDashboard(), null, 2)}\n`;
}
