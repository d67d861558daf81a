import { randomFillSync } from 'node:crypto';

// Ids are formatted in batches: one call into the random pool fills the bytes of IDS_PER_BATCH ids, a loop writes
// them as ASCII text (UUID, then traceparent) into one buffer through a hex table, the buffer becomes one string,
// and each request then takes its two ids as two substrings of it: V8 makes those slices that point into the
// batch string (no copy, no call into C++), where a Buffer latin1 slice per id costs a binding call and a copy
// (about 12 ns against 60 to 90 ns per id, measured). No per-request concatenation, no per-request call into
// crypto (see docs/adr/0014 and 0015). A slice keeps its batch string (93 KB) alive only while its request
// holds it.
const IDS_PER_BATCH = 1024;
// 16 random bytes for the UUID / trace id, 8 for the span id.
const RANDOM_BYTES_PER_ID = 24;
const UUID_LENGTH = 36;
// "00-" + 32 hex + "-" + 16 hex + "-01"
const TRACEPARENT_LENGTH = 55;
const RECORD_LENGTH = UUID_LENGTH + TRACEPARENT_LENGTH;

const HEX_CODES = new Uint8Array(512);
for (let value = 0; value < 256; value++) {
  const hex = value.toString(16).padStart(2, '0');
  HEX_CODES[2 * value] = hex.charCodeAt(0);
  HEX_CODES[2 * value + 1] = hex.charCodeAt(1);
}
const DASH = 0x2d;
const ZERO = 0x30;
const ONE = 0x31;

/**
 * A source of fresh request ids: `advance()` moves to the next id, then `requestId` is a UUID v4 (the form Envoy
 * expects in `x-request-id`) and `traceparent` a sampled W3C traceparent whose trace id is the same 128 bits (so
 * a request's log lines and its trace are found by one id), with a random span id. Every id is 122 bits from
 * the CSPRNG: unique per request, within a run and across generators.
 */
export class TraceIdSource {
  requestId = '';
  traceparent = '';
  private readonly random = Buffer.allocUnsafe(IDS_PER_BATCH * RANDOM_BYTES_PER_ID);
  private readonly text = Buffer.allocUnsafe(IDS_PER_BATCH * RECORD_LENGTH);
  private batch = '';
  private next = IDS_PER_BATCH;

  advance(): void {
    if (this.next === IDS_PER_BATCH) this.refill();
    const at = this.next++ * RECORD_LENGTH;
    this.requestId = this.batch.slice(at, at + UUID_LENGTH);
    this.traceparent = this.batch.slice(at + UUID_LENGTH, at + RECORD_LENGTH);
  }

  private refill(): void {
    const { random, text } = this;
    randomFillSync(random);
    for (let id = 0; id < IDS_PER_BATCH; id++) {
      const from = id * RANDOM_BYTES_PER_ID;
      // UUID version 4 and RFC 4122 variant; a span id of all zeros is invalid in W3C trace context.
      random[from + 6] = ((random[from + 6] as number) & 0x0f) | 0x40;
      random[from + 8] = ((random[from + 8] as number) & 0x3f) | 0x80;
      if ((random.readUInt32LE(from + 16) | random.readUInt32LE(from + 20)) === 0) random[from + 23] = 1;
      let uuid = id * RECORD_LENGTH;
      let trace = uuid + UUID_LENGTH;
      text[trace++] = ZERO;
      text[trace++] = ZERO;
      text[trace++] = DASH;
      for (let byte = 0; byte < 16; byte++) {
        if (byte === 4 || byte === 6 || byte === 8 || byte === 10) text[uuid++] = DASH;
        const code = (random[from + byte] as number) * 2;
        const high = HEX_CODES[code] as number;
        const low = HEX_CODES[code + 1] as number;
        text[uuid++] = high;
        text[uuid++] = low;
        text[trace++] = high;
        text[trace++] = low;
      }
      text[trace++] = DASH;
      for (let byte = 16; byte < RANDOM_BYTES_PER_ID; byte++) {
        const code = (random[from + byte] as number) * 2;
        text[trace++] = HEX_CODES[code] as number;
        text[trace++] = HEX_CODES[code + 1] as number;
      }
      text[trace++] = DASH;
      text[trace++] = ZERO;
      text[trace] = ONE;
    }
    this.batch = text.toString('latin1');
    this.next = 0;
  }
}
