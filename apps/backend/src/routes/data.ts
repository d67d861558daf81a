import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { createIsoTimestamp, type RouteDeps } from './route-deps';

/** The items `GET /api/data` returns (the original API's sample data). */
export const DATA_ITEMS = ['item1', 'item2', 'item3'] as const;

/** Response schema of `GET /api/data`. */
export const DataBodySchema = Type.Object(
  {
    message: Type.Literal('Hello from Backend!'),
    data: Type.Object(
      { items: Type.Array(Type.String()), count: Type.Integer({ minimum: 0 }) },
      { additionalProperties: false },
    ),
    hostname: Type.String(),
    timestamp: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

/** `GET /api/data`: the sample payload, with the pod that answered. */
export function dataRoutes(deps: RouteDeps): FastifyPluginAsync {
  const timestamp = createIsoTimestamp(deps.now);
  return async (app) => {
    app.get('/api/data', { schema: { response: { 200: DataBodySchema } } }, () => ({
      message: 'Hello from Backend!' as const,
      data: { items: [...DATA_ITEMS], count: DATA_ITEMS.length },
      hostname: deps.hostname(),
      timestamp: timestamp(),
    }));
  };
}
