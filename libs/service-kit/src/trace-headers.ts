/**
 * Headers that carry a trace across hops. Istio's sidecars start spans but cannot link an inbound request to the
 * outbound calls it causes: the application must copy these from each request onto its upstream calls.
 */
export const TRACE_HEADERS = [
  'x-request-id',
  'traceparent',
  'tracestate',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
] as const;

/** One of the propagated trace header names. */
export type TraceHeader = (typeof TRACE_HEADERS)[number];
