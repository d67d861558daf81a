import { runService } from '@ztmesh/service-kit';
import { buildApp } from './app';
import { loadFrontendConfig } from './config';

void runService({ name: 'frontend', loadConfig: () => loadFrontendConfig(), build: buildApp });
