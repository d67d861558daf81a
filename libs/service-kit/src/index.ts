export {
  ConfigError,
  loadConfig,
  SERVER_LIMIT_DEFAULTS,
  ServiceConfigProperties,
  StringEnum,
} from './config/load-config';
export { RequestObservabilityProperties } from './config/request-observability-properties';
export { OneLineLogController, SilentRequestLogController } from './logging/one-line-log-controller';
export { RequestObserver, UNMATCHED_ROUTE, type RequestObserverOptions } from './logging/request-observer';
export { createLogger, flushLogger, flushLoggerWithin, type LoggerOptions } from './logging/create-logger';
export {
  createMetrics,
  LATENCY_BUCKETS_SECONDS,
  REQUEST_DURATION_METRIC,
  type MetricsOptions,
  type ServiceMetrics,
} from './metrics/create-metrics';
export { createMetricsServer, type MetricsServerOptions } from './metrics/create-metrics-server';
export { createReadiness, type Readiness, type ReadinessState } from './health/readiness';
export { ErrorBodySchema, type ErrorBody } from './http/error-schema';
export { createClientErrorHandler, writeRawError } from './http/client-error-handler';
export { malformedRequestMessage } from './http/malformed-request';
export { frameworkErrorHandler } from './http/framework-error-handler';
export { genRequestId, REQUEST_ID_HEADER } from './http/request-id';
export {
  createServiceApp,
  ErrorResponses,
  HealthBodySchema,
  ReadyBodySchema,
  type ServiceAppOptions,
} from './create-service-app';
export {
  installGracefulShutdown,
  LOG_FLUSH_LIMIT_MS,
  type GracefulShutdownOptions,
} from './shutdown/install-graceful-shutdown';
export { runService, type RunnableConfig, type RunServiceOptions, type ServiceDeps } from './run-service';
export { TRACE_HEADERS, type TraceHeader } from './trace-headers';
