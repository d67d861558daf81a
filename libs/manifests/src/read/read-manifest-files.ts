import { isUtf8 } from 'node:buffer';
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { ManifestError } from '@ztmesh/policy';

/**
 * The most manifest text one run reads (files, a render or stdin together): 64 MiB. Above it the reader refuses
 * before reading, with the size and the limit; the analyzer's cost grows with the input (see docs/performance.md).
 */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** Options for readManifestFile and manifestFilesUnder. */
export interface ReadManifestOptions {
  /** The path shown in messages (default: the path as given). */
  readonly displayPath?: string;
  /** Bytes this read may use (default MAX_INPUT_BYTES); callers reading several files pass what is left. */
  readonly maxBytes?: number;
  /** A directory a symbolic link given as the path must resolve inside (a link out is refused); default: any. */
  readonly within?: string;
}

/** Whether `target` (a real path) lies inside `root` (a real path). */
function isInside(root: string, target: string): boolean {
  const inside = relative(root, target);
  return !(inside.startsWith('..') || isAbsolute(inside));
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return 'symbolic link loop';
  if (code === 'ENOENT') return 'no such file or directory (or a dangling symbolic link)';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message.split('\n')[0];
}

/** The 1-based line of a byte offset in `bytes`. */
function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i >= 0 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
  return line;
}

/** The offset of the first byte that is not valid UTF-8, or -1. */
function firstInvalidUtf8(bytes: Buffer): number {
  // isUtf8 is a fast native check; the binary search runs only to name the place.
  if (isUtf8(bytes)) return -1;
  let low = 0;
  let high = bytes.length;
  // The shortest invalid prefix ends at the bad byte (stream mode lets a valid prefix end inside a character).
  while (low < high) {
    const mid = (low + high) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid + 1), { stream: true });
      low = mid + 1;
    } catch {
      high = mid;
    }
  }
  // `low` ends the first invalid prefix; the bad sequence starts at the last offset before it where a prefix is valid.
  for (let k = low; k >= Math.max(0, low - 3); k--) if (isUtf8(bytes.subarray(0, k))) return k;
  return low;
}

/**
 * Reads one manifest file as UTF-8 text, refusing before it opens anything that is not a regular file (a FIFO or
 * device would block or never end), a file larger than the budget, and bytes that are not UTF-8. Every refusal is
 * a ManifestError naming the file (and the line, for bad bytes).
 */
export function readManifestFile(path: string, options: ReadManifestOptions = {}): string {
  const display = options.displayPath ?? path;
  const maxBytes = options.maxBytes ?? MAX_INPUT_BYTES;
  let stats: Stats;
  try {
    // stat, not lstat: a symbolic link given by name is what the user asked for; its target must be a file.
    stats = statSync(path);
  } catch (error) {
    throw new ManifestError(display, '', fsReason(error));
  }
  if (!stats.isFile()) throw new ManifestError(display, '', `${kindOf(stats)}, not a regular file: refused`);
  // A path given outside `within` is the user's choice; a link that leads out of it is not.
  if (options.within !== undefined && lstatSync(path).isSymbolicLink()) {
    const target = realpathSync(path);
    if (!isInside(realpathSync(options.within), target))
      throw new ManifestError(display, '', `symbolic link out of ${options.within} (to ${target}): refused`);
  }
  if (stats.size > maxBytes) throw tooLarge(display, stats.size, maxBytes);
  const bytes = readFileSync(path);
  // The size may have grown between stat and read.
  if (bytes.length > maxBytes) throw tooLarge(display, bytes.length, maxBytes);
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    throw new ManifestError(
      display,
      `line ${lineAt(bytes, bad)}`,
      `not UTF-8 text: byte 0x${bytes[bad].toString(16).padStart(2, '0')} at offset ${bad}`,
    );
  }
  return bytes.toString('utf8');
}

/** The error for input above the limit, in MiB so people can compare. */
export function tooLarge(display: string, size: number, maxBytes: number): ManifestError {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return new ManifestError(
    display,
    '',
    `input too large: ${mib(size)} (${size} bytes) is above the ${mib(maxBytes)} limit of one run; split it`,
  );
}

/**
 * The regular files under `dir` whose names match `pattern`, depth first in sorted order. Symbolic links are
 * followed only when they resolve inside `dir` (a link out of the input is refused, as is a loop); FIFOs,
 * devices and sockets are refused by name rather than opened. Errors are ManifestErrors naming the entry.
 */
export function manifestFilesUnder(dir: string, pattern: RegExp, displayRoot = dir): string[] {
  let root: string;
  try {
    root = realpathSync(dir);
  } catch (error) {
    throw new ManifestError(displayRoot, '', fsReason(error));
  }
  const seen = new Set<string>([root]);
  const walk = (path: string, display: string): string[] =>
    readdirSync(path)
      .sort()
      .flatMap((name) => {
        const entry = join(path, name);
        const shown = join(display, name);
        let stats = lstatSync(entry);
        if (stats.isSymbolicLink()) {
          let target: string;
          try {
            target = realpathSync(entry);
          } catch (error) {
            throw new ManifestError(shown, '', fsReason(error));
          }
          if (!isInside(root, target))
            throw new ManifestError(shown, '', `symbolic link out of ${displayRoot} (to ${target}): refused`);
          stats = statSync(target);
          // A link back to a directory already read would loop (or read the same objects twice).
          if (stats.isDirectory() && seen.has(target))
            throw new ManifestError(shown, '', `symbolic link loop (to ${target}, already read)`);
        }
        if (stats.isDirectory()) {
          seen.add(realpathSync(entry));
          return walk(entry, shown);
        }
        if (!pattern.test(name)) return [];
        if (!stats.isFile())
          throw new ManifestError(shown, '', `${kindOf(stats)}, not a regular file: refused`);
        return [entry];
      });
  return walk(dir, displayRoot);
}
