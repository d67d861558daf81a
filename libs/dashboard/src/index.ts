export * from './create-dashboard';
export * from './dashboard-file';
export * from './panel-queries';
export * from './prometheus-config.mjs';
