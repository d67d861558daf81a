import { runService } from '@ztmesh/service-kit';
import { buildApp } from './app';
import { loadBackendConfig } from './config';

void runService({ name: 'backend', loadConfig: () => loadBackendConfig(), build: buildApp });
