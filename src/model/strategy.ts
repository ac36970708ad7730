/** Partition strategies: which intervals and key types pgpart supports, and how they are spelt. */
import type { TimeUnit } from './types.js';

const UNIT_SPELLINGS: Record<TimeUnit, string[]> = {
  hour: ['1 hour', 'hour', 'hourly'],
  day: ['1 day', 'day', 'daily'],
  week: ['1 week', 'week', 'weekly', '7 days'],
  month: ['1 month', 'month', 'monthly'],
  quarter: ['3 months', '1 quarter', 'quarter', 'quarterly'],
  year: ['1 year', 'year', 'yearly', '12 months'],
};

export const SUPPORTED_INTERVALS = Object.values(UNIT_SPELLINGS).map((s) => `'${s[0]}'`).join(', ');

export function parseInterval(text: string): TimeUnit | null {
  const norm = text.trim().toLowerCase().replace(/\s+/g, ' ').replace(/^1 (\w+)s$/, '1 $1');
  for (const [unit, spellings] of Object.entries(UNIT_SPELLINGS)) {
    if (spellings.includes(norm)) return unit as TimeUnit;
  }
  return null;
}

export const TIME_TYPES = ['timestamptz', 'timestamp', 'date'] as const;
export const INTEGER_TYPES = ['smallint', 'integer', 'bigint'] as const;
export const TEXT_TYPES = ['text', 'varchar', 'char', 'character'] as const;

export function isTimeType(t: string): t is (typeof TIME_TYPES)[number] {
  return (TIME_TYPES as readonly string[]).includes(t);
}
export function isIntegerType(t: string): boolean {
  return (INTEGER_TYPES as readonly string[]).includes(t);
}
export function isTextType(t: string): boolean {
  return (TEXT_TYPES as readonly string[]).includes(t.replace(/\(.*$/, ''));
}

/** A retention `keep` as a PostgreSQL interval: `'12 months'`, `'90 days'`. */
export function parseKeep(keep: string): string | null {
  const m = /^\s*(\d+)\s+(hour|day|week|month|year)s?\s*$/i.exec(keep);
  if (!m || Number(m[1]) < 1) return null;
  return `${Number(m[1])} ${m[2]!.toLowerCase()}${Number(m[1]) === 1 ? '' : 's'}`;
}

/** True when the time zone name is known (to the ICU data Node ships, a superset of PostgreSQL's common names). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
