import { randomFillSync, randomUUID } from 'node:crypto';

// Span ids: a random 32-bit prefix, redrawn every 2^20 ids, then a counter. Unique within a run and across
// generators (the trace id, from the UUID, carries the randomness), at the cost of one toString per request
// instead of a call into the random pool. Never all zeros (invalid in W3C trace context): the counter starts at 1.
const COUNTER_SPAN = 0x100000;
let spanPrefix = '';
let spanCounter = COUNTER_SPAN;

function nextSpanId(): string {
  if (++spanCounter >= COUNTER_SPAN) {
    spanPrefix = randomFillSync(Buffer.alloc(4)).toString('hex');
    spanCounter = 1;
  }
  return spanPrefix + spanCounter.toString(16).padStart(8, '0');
}

/** A fresh request id: a UUID v4, the form Envoy expects in `x-request-id` (Node draws them from a batch). */
export function nextRequestId(): string {
  return randomUUID();
}

/**
 * A W3C `traceparent` whose trace id is the request id's 128 bits (so a request's log lines and its trace are
 * found by one id) with a fresh span id, sampled.
 */
export function traceparentFor(requestId: string): string {
  return (
    '00-' +
    requestId.slice(0, 8) +
    requestId.slice(9, 13) +
    requestId.slice(14, 18) +
    requestId.slice(19, 23) +
    requestId.slice(24) +
    '-' +
    nextSpanId() +
    '-01'
  );
}

/** A fresh request id and its traceparent (for one-off requests such as probes). */
export function nextTraceIds(): { readonly requestId: string; readonly traceparent: string } {
  const requestId = nextRequestId();
  return { requestId, traceparent: traceparentFor(requestId) };
}
