import { Type, type Static } from '@sinclair/typebox';

/** The body of every error response: never a stack trace. */
export const ErrorBodySchema = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
    requestId: Type.String(),
  },
  { additionalProperties: false },
);

/** An error response body. */
export type ErrorBody = Static<typeof ErrorBodySchema>;
