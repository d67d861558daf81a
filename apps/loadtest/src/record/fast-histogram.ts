import type { Histogram } from 'hdr-histogram-js';
// The plain-JS histogram classes alone: the package index also loads the log writer (which builds an
// Intl.NumberFormat at load), the encoders (zlib) and the WebAssembly variant, about 30 ms of CPU at every start.
import { constructorFromBucketSize } from 'hdr-histogram-js/dist/JsHistogramFactory';

// The layout of an HDR histogram with lowestDiscernibleValue 1 and 3 significant digits: 2048 sub-buckets,
// the upper half of each bucket doubling the range of the previous one (values in microseconds).
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_COUNT = SUB_BUCKET_HALF_COUNT * 2;
// Values up to 2^31 - 1 us (about 35 minutes) use the integer fast path.
const BUCKETS = 31 - SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SLOTS = (BUCKETS + 1) * SUB_BUCKET_HALF_COUNT + SUB_BUCKET_HALF_COUNT;
const MAX_FAST_VALUE = 0x7fffffff;

/** An HDR histogram built the same way: microseconds, 1 us to 1 h (grows past it), 3 significant digits. */
export function createHdrHistogram(): Histogram {
  // What hdr-histogram-js's build({ bitBucketSize: 32, autoResize: true, ... }) does without WebAssembly.
  const Int32Histogram = constructorFromBucketSize(32);
  const histogram = new Int32Histogram(1, 3_600_000_000, 3);
  histogram.autoResize = true;
  return histogram;
}

/**
 * The recording side of an HDR histogram, cut to what a request needs: an integer index computation
 * (Math.clz32 where hdr-histogram-js uses Math.log2 and Math.pow) and one array increment. Its buckets are
 * exactly those of an hdr-histogram-js histogram with 3 significant digits, so `toHdr()` hands hdr-histogram-js
 * the same counts it would have recorded itself, and every percentile comes from hdr-histogram-js unchanged
 * (see docs/adr/0010-open-model-scheduler.md).
 */
export class FastHistogram {
  private readonly counts = new Float64Array(SLOTS);
  // Values past the fast range (over 35 minutes) go straight to hdr-histogram-js.
  private readonly overflow: number[] = [];
  private cached: Histogram | undefined;
  totalCount = 0;
  /**
   * Sum of the recorded (rounded) values, so the mean is exact and costs nothing at the end of a run:
   * hdr-histogram-js's `mean` walks every bucket through an iterator, about 15 ms per histogram.
   */
  totalUs = 0;

  /** Records one value in microseconds (rounded; negative values count as 0). */
  record(valueUs: number): void {
    const value = valueUs > 0 ? Math.round(valueUs) : 0;
    this.totalCount++;
    this.totalUs += value;
    this.cached = undefined;
    if (value > MAX_FAST_VALUE) {
      this.overflow.push(value);
      return;
    }
    // bucket = floor(log2(value)) - 10, at least 0; slot = bucket * 1024 + (value >> bucket).
    const bucket = value < SUB_BUCKET_COUNT ? 0 : 31 - Math.clz32(value) - SUB_BUCKET_HALF_COUNT_MAGNITUDE;
    (this.counts[(bucket << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + (value >>> bucket)] as number)++;
  }

  /** The mean of the recorded values in microseconds (0 when empty). */
  get meanUs(): number {
    return this.totalCount === 0 ? 0 : this.totalUs / this.totalCount;
  }

  /** The counts as an hdr-histogram-js histogram (rebuilt only after new values). */
  toHdr(): Histogram {
    if (this.cached) return this.cached;
    const histogram = createHdrHistogram();
    const counts = this.counts;
    for (let slot = 0; slot < SLOTS; slot++) {
      const count = counts[slot] as number;
      if (count === 0) continue;
      // The lowest value of the slot: hdr-histogram-js files it under the very same slot.
      let bucket = (slot >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1;
      let subBucket = (slot & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
      if (bucket < 0) {
        subBucket -= SUB_BUCKET_HALF_COUNT;
        bucket = 0;
      }
      histogram.recordValueWithCount(subBucket * 2 ** bucket, count);
    }
    for (const value of this.overflow) histogram.recordValue(value);
    this.cached = histogram;
    return histogram;
  }
}
