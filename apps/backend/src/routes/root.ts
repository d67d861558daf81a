import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { createIsoTimestamp, type RouteDeps } from './route-deps';

/** Response schema of `GET /`. */
export const RootBodySchema = Type.Object(
  {
    status: Type.Literal('healthy'),
    service: Type.Literal('backend'),
    hostname: Type.String(),
    timestamp: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

/** `GET /`: the original backend's status document. */
export function rootRoutes(deps: RouteDeps): FastifyPluginAsync {
  const timestamp = createIsoTimestamp(deps.now);
  return async (app) => {
    app.get('/', { schema: { response: { 200: RootBodySchema } } }, () => ({
      status: 'healthy' as const,
      service: 'backend' as const,
      hostname: deps.hostname(),
      timestamp: timestamp(),
    }));
  };
}
