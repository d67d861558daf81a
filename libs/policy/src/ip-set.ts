/** The IPv4 address space as integers: [0, 2^32 - 1]. */
export const IPV4_MAX = 0xffffffff;

/** A closed range of IPv4 addresses as integers. */
export interface IpRange {
  readonly from: number;
  readonly to: number;
}

/** Parses `a.b.c.d` into an integer, or undefined when it is not a dotted IPv4 address. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

/** Formats an integer address as `a.b.c.d`. */
export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** Parses an IPv4 CIDR (`10.0.0.0/8`); returns an error string for a malformed one, `ipv6` for an IPv6 CIDR. */
export function parseCidr(cidr: string): IpRange | 'ipv6' | string {
  if (cidr.includes(':')) return 'ipv6';
  const [addr, bitsText, extra] = cidr.split('/');
  const base = parseIpv4(addr ?? '');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (base === undefined || extra !== undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    return `invalid CIDR "${cidr}"`;
  }
  const size = 2 ** (32 - bits);
  const from = Math.floor(base / size) * size;
  return { from, to: from + size - 1 };
}

/** Formats a range as np-guard does: `a.b.c.d-e.f.g.h`. */
export function formatIpRange(range: IpRange): string {
  return `${formatIpv4(range.from)}-${formatIpv4(range.to)}`;
}

/**
 * Splits the whole IPv4 space into the coarsest disjoint blocks such that every given range is a union of
 * blocks: each block then behaves as one peer for every policy.
 */
export function partitionIpv4(ranges: readonly IpRange[]): IpRange[] {
  const cuts = new Set<number>([0]);
  for (const r of ranges) {
    cuts.add(r.from);
    if (r.to < IPV4_MAX) cuts.add(r.to + 1);
  }
  const starts = [...cuts].sort((a, b) => a - b);
  return starts.map((from, i) => ({ from, to: i + 1 < starts.length ? starts[i + 1] - 1 : IPV4_MAX }));
}

/** True when `inner` lies entirely inside `outer`. */
export function rangeContains(outer: IpRange, inner: IpRange): boolean {
  return outer.from <= inner.from && inner.to <= outer.to;
}
