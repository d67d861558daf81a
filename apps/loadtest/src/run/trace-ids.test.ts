import { describe, expect, it } from 'vitest';
import { TraceIdSource } from './trace-ids';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

describe('TraceIdSource', () => {
  it('gives a UUID v4 and a sampled traceparent carrying the same 128 bits, fresh at every advance', () => {
    const ids = new TraceIdSource();
    const requestIds = new Set<string>();
    const spanIds = new Set<string>();
    // More than two batches, so refills are crossed.
    for (let index = 0; index < 2500; index++) {
      ids.advance();
      expect(ids.requestId).toMatch(UUID_V4);
      expect(ids.traceparent).toMatch(TRACEPARENT);
      expect(ids.traceparent.slice(3, 35)).toBe(ids.requestId.replaceAll('-', ''));
      expect(ids.traceparent.slice(36, 52)).not.toBe('0000000000000000');
      requestIds.add(ids.requestId);
      spanIds.add(ids.traceparent.slice(36, 52));
    }
    expect(requestIds.size).toBe(2500);
    expect(spanIds.size).toBe(2500);
  });

  it('hands out strings that stay valid after the next advance and refill', () => {
    const ids = new TraceIdSource();
    ids.advance();
    const { requestId, traceparent } = ids;
    for (let index = 0; index < 1500; index++) ids.advance();
    expect(ids.requestId).not.toBe(requestId);
    expect(requestId).toMatch(UUID_V4);
    expect(traceparent.slice(3, 35)).toBe(requestId.replaceAll('-', ''));
  });

  it('uses the whole hex alphabet (bytes are formatted, not truncated)', () => {
    const ids = new TraceIdSource();
    const seen = new Set<string>();
    for (let index = 0; index < 200; index++) {
      ids.advance();
      for (const char of ids.requestId.replaceAll('-', '')) seen.add(char);
    }
    expect([...seen].sort().join('')).toBe('0123456789abcdef');
  });
});
