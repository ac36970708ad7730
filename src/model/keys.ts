/**
 * List keys in `partition.initial`, checked as the runtime checks the keys it is given
 * (parting._canonical): what it would refuse at install is refused here, with the key named.
 */
import { isWellFormed } from './text.js';

/** The most bytes a text list key may have: its partition's name suffix, the hex of its bytes, is kept in parting.offline's primary key. */
export const MAX_LIST_KEY_BYTES = 1000;

const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/** A key as the config writes it, shown in a message: quoted, control characters escaped, long ones cut. */
export function shownKey(key: string | number): string {
  const text = String(key);
  return Buffer.byteLength(text, 'utf8') > 80 ? `${JSON.stringify(text.slice(0, 40)).slice(0, -1)}…"` : JSON.stringify(text);
}

/** Why the runtime would refuse `key` for a list column of `type` (text or an integer type), or null. */
export function listKeyProblem(key: string | number, keyType: 'text' | 'integer', type: string): string | null {
  if (typeof key === 'number' && !Number.isSafeInteger(key) && keyType === 'integer') {
    return `is not a whole number JavaScript holds exactly: write it as a string, e.g. '${BigInt(Math.trunc(key)).toString()}'`;
  }
  const text = String(key);
  if (keyType === 'integer') {
    if (!/^-?\d+$/.test(text)) return `is not an integer, and the key column is ${type}`;
    const [min, max] = INTEGER_RANGES[type] ?? INTEGER_RANGES.bigint!;
    const value = BigInt(text);
    if (value < min || value > max) return `is out of range for the key column's type, ${type} (${min} to ${max})`;
    return null;
  }
  // parting._canonical trims spaces (btrim) before it looks: a key of spaces is empty to it.
  if (text.replace(/^ +| +$/g, '') === '') return 'is empty (or only spaces), and the runtime refuses an empty key: give the key its text';
  if (text.includes('\u0000')) return 'contains a NUL character, which PostgreSQL text cannot hold';
  if (!isWellFormed(text)) return 'is not valid Unicode text (it has a lone surrogate)';
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_LIST_KEY_BYTES) return `is ${bytes} bytes long; list keys may have at most ${MAX_LIST_KEY_BYTES} bytes`;
  return null;
}
