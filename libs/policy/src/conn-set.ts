/** The transport protocols a network policy can name (ICMP and others are outside the model). */
export type Protocol = 'SCTP' | 'TCP' | 'UDP';

/** Every protocol the model tracks, in the order np-guard prints them. */
export const PROTOCOLS: readonly Protocol[] = ['SCTP', 'TCP', 'UDP'];

/** The lowest and highest port numbers a connection can use. */
export const MIN_PORT = 1;
export const MAX_PORT = 65535;

/** Sorted, disjoint, non-adjacent closed intervals, flattened as [lo0, hi0, lo1, hi1, ...]. */
type Intervals = readonly number[];

function normalize(pairs: number[][]): number[] {
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    if (hi < lo) continue;
    const last = out.length - 1;
    if (last > 0 && lo <= out[last] + 1) out[last] = Math.max(out[last], hi);
    else out.push(lo, hi);
  }
  return out;
}

function toPairs(a: Intervals): number[][] {
  const pairs: number[][] = [];
  for (let i = 0; i < a.length; i += 2) pairs.push([a[i], a[i + 1]]);
  return pairs;
}

/** Union of two interval lists. */
export function unionIntervals(a: Intervals, b: Intervals): number[] {
  if (a.length === 0) return [...b];
  if (b.length === 0) return [...a];
  return normalize([...toPairs(a), ...toPairs(b)]);
}

/** Intersection of two interval lists. */
export function intersectIntervals(a: Intervals, b: Intervals): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i], b[j]);
    const hi = Math.min(a[i + 1], b[j + 1]);
    if (lo <= hi) out.push(lo, hi);
    if (a[i + 1] < b[j + 1]) i += 2;
    else j += 2;
  }
  return out;
}

/** The part of `a` that is not in `b`. */
export function subtractIntervals(a: Intervals, b: Intervals): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let lo = a[i];
    const hi = a[i + 1];
    while (j < b.length && b[j + 1] < lo) j += 2;
    let k = j;
    while (k < b.length && b[k] <= hi) {
      if (b[k] > lo) out.push(lo, b[k] - 1);
      lo = Math.max(lo, b[k + 1] + 1);
      k += 2;
    }
    if (lo <= hi) out.push(lo, hi);
  }
  return out;
}

const FULL: Intervals = [MIN_PORT, MAX_PORT];

/** An immutable set of (protocol, port) pairs: what a connection between two peers may use. */
export class ConnSet {
  // Cached because the engine asks these on every rule application.
  private readonly empty: boolean;
  private readonly full: boolean;

  private constructor(private readonly ports: Readonly<Record<Protocol, Intervals>>) {
    this.empty = ports.SCTP.length === 0 && ports.TCP.length === 0 && ports.UDP.length === 0;
    const whole = (r: Intervals) => r.length === 2 && r[0] === MIN_PORT && r[1] === MAX_PORT;
    this.full = whole(ports.SCTP) && whole(ports.TCP) && whole(ports.UDP);
  }

  /** No connection at all. */
  static readonly none = new ConnSet({ SCTP: [], TCP: [], UDP: [] });
  /** Every protocol on every port. */
  static readonly all = new ConnSet({ SCTP: FULL, TCP: FULL, UDP: FULL });

  /** One protocol on the port range [from, to] (the whole range when from is omitted). */
  static of(protocol: Protocol, from = MIN_PORT, to = from === MIN_PORT ? MAX_PORT : from): ConnSet {
    const ports = { SCTP: [] as Intervals, TCP: [] as Intervals, UDP: [] as Intervals };
    ports[protocol] = [from, to];
    return new ConnSet(ports);
  }

  /** One protocol on exactly one port. */
  static port(protocol: Protocol, port: number): ConnSet {
    return ConnSet.of(protocol, port, port);
  }

  private combine(other: ConnSet, op: (a: Intervals, b: Intervals) => number[]): ConnSet {
    return new ConnSet({
      SCTP: op(this.ports.SCTP, other.ports.SCTP),
      TCP: op(this.ports.TCP, other.ports.TCP),
      UDP: op(this.ports.UDP, other.ports.UDP),
    });
  }

  union(other: ConnSet): ConnSet {
    if (other.isEmpty() || this.isAll()) return this;
    if (this.isEmpty() || other.isAll()) return other;
    return this.combine(other, unionIntervals);
  }

  intersect(other: ConnSet): ConnSet {
    if (this.isEmpty() || other.isAll()) return this;
    if (other.isEmpty() || this.isAll()) return other;
    return this.combine(other, intersectIntervals);
  }

  subtract(other: ConnSet): ConnSet {
    if (this.isEmpty() || other.isEmpty()) return this;
    if (other.isAll()) return ConnSet.none;
    return this.combine(other, subtractIntervals);
  }

  isEmpty(): boolean {
    return this.empty;
  }

  isAll(): boolean {
    return this.full;
  }

  equals(other: ConnSet): boolean {
    return PROTOCOLS.every((p) => this.ports[p].join() === other.ports[p].join());
  }

  /** True when every connection of `other` is in this set. */
  covers(other: ConnSet): boolean {
    return other.subtract(this).isEmpty();
  }

  has(protocol: Protocol, port: number): boolean {
    const r = this.ports[protocol];
    for (let i = 0; i < r.length; i += 2) if (r[i] <= port && port <= r[i + 1]) return true;
    return false;
  }

  /** The port ranges of one protocol as [from, to] pairs. */
  ranges(protocol: Protocol): Array<[number, number]> {
    return toPairs(this.ports[protocol]) as Array<[number, number]>;
  }

  /** np-guard's notation: `All Connections`, `No Connections` or `TCP 1-79,81-65535,UDP 53`. */
  toString(): string {
    if (this.isAll()) return 'All Connections';
    if (this.isEmpty()) return 'No Connections';
    return PROTOCOLS.filter((p) => this.ports[p].length > 0)
      .map(
        (p) =>
          `${p} ${this.ranges(p)
            .map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`))
            .join(',')}`,
      )
      .join(',');
  }
}
