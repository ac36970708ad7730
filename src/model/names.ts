/**
 * PostgreSQL truncates identifiers past 63 bytes without an error, so two long names can
 * silently become one. Every name pgpart makes goes through `pgName`, which keeps short
 * names as they are and shortens long ones deterministically with a hash of the full name.
 * sql/functions/_name.sql is the same rule for names made at run time; a database test
 * checks that both agree.
 */
import { createHash } from 'node:crypto';

export const MAX_IDENTIFIER_BYTES = 63;
const HASH_LENGTH = 8;
/** Suffixes up to this size survive shortening whole, so `_pkey`, `_2013_03` stay readable. */
const MAX_KEPT_SUFFIX_BYTES = 40;

export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** The longest prefix of `s` that fits in `bytes` bytes without splitting a character. */
export function truncateBytes(s: string, bytes: number): string {
  let out = '';
  for (const ch of s) {
    if (byteLength(out + ch) > bytes) break;
    out += ch;
  }
  return out;
}

/** `<base>_<suffix>`, or a hash-shortened form of it that fits in 63 bytes. */
export function pgName(base: string, suffix: string): string {
  const full = `${base}_${suffix}`;
  if (byteLength(full) <= MAX_IDENTIFIER_BYTES) return full;
  const hash = createHash('md5').update(full, 'utf8').digest('hex').slice(0, HASH_LENGTH);
  if (byteLength(suffix) <= MAX_KEPT_SUFFIX_BYTES) {
    const room = MAX_IDENTIFIER_BYTES - byteLength(suffix) - HASH_LENGTH - 2;
    return `${truncateBytes(base, room)}_${hash}_${suffix}`;
  }
  return `${truncateBytes(full, MAX_IDENTIFIER_BYTES - HASH_LENGTH - 1)}_${hash}`;
}

/** The tag naming an index or constraint on a partition: its columns and a kind suffix. */
export function indexTag(columns: string[], kind: 'pkey' | 'key' | 'idx' | 'fkey' | 'uniq'): string {
  return kind === 'pkey' ? 'pkey' : `${columns.join('_')}_${kind}`;
}
