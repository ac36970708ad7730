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

/** The longest time retention `keep` accepted: past this it is a typo, not a policy. */
export const MAX_KEEP_YEARS = 1000;
/** The most partitions an integer range's retention `keep` may name. */
export const MAX_KEEP_PARTITIONS = 1_000_000;

/** Days per unit of a `keep`, for comparing it with MAX_KEEP_YEARS (Gregorian average year). */
const KEEP_UNIT_DAYS: Record<string, number> = { hour: 1 / 24, day: 1, week: 7, month: 365.2425 / 12, year: 365.2425 };

/**
 * A retention `keep` as a PostgreSQL interval (`'12 months'`, `'90 days'`) and whether it is
 * longer than MAX_KEEP_YEARS; null when it is not a positive duration.
 */
export function parseKeep(keep: string): { interval: string; tooLong: boolean; days: number } | null {
  const m = /^\s*(\d+)\s+(hour|day|week|month|year)s?\s*$/i.exec(keep);
  if (!m || Number(m[1]) < 1) return null;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  const days = n * KEEP_UNIT_DAYS[unit]!;
  return { interval: `${n} ${unit}${n === 1 ? '' : 's'}`, tooLong: days > MAX_KEEP_YEARS * KEEP_UNIT_DAYS.year!, days };
}

/** True when the time zone name is known (to the ICU data Node ships, a superset of PostgreSQL's common names). */
export function isTimeZone(tz: string): boolean {
  // The common case, without loading ICU's zone data (a noticeable part of `pgpart build`'s start).
  if (tz === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
