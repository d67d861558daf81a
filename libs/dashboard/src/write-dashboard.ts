// `npx nx run dashboard:generate`: writes the dashboard JSON the observability component ships.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { renderDashboard } from './dashboard-file';

// Bundled to dist/libs/dashboard/, so the repository root is three levels up from the bundle.
const file = resolve(__dirname, '../../../observability/dashboards/ztmesh.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, renderDashboard());
process.stdout.write(`wrote ${file}\n`);
