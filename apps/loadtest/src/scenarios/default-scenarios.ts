import type { ScenarioSpec } from './scenario-file-schema';

/** The mix sent to the frontend when no scenario is given: mostly API data through the proxy. */
export const DEFAULT_SCENARIOS: readonly ScenarioSpec[] = [
  { name: 'data', path: '/api/backend/api/data', weight: 70 },
  { name: 'health', path: '/api/backend/health', weight: 20 },
  { name: 'page', path: '/', weight: 10 },
];

/** Default share of requests aimed at the unauthorized URL (10%). */
export const DEFAULT_UNAUTHORIZED_SHARE = 0.1;

/** Default base URL: the frontend as `npm start` runs it. */
export const DEFAULT_TARGET = 'http://127.0.0.1:8080';
