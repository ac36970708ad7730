/**
 * pg_cron schedules: what `cron.schedule(name, schedule, command)` accepts (pg_cron's
 * src/entry.c parse_cron_entry, Vixie cron's grammar, and src/job_metadata.c
 * TryParseInterval), checked at build time so a typo fails `pgpart build`, not install.sql.
 *
 * Accepted, as pg_cron accepts them:
 * - five fields `minute hour day-of-month month day-of-week`, separated by spaces or tabs;
 *   each a comma-separated list of `*`, `n` or `n-m`, where `*` and `n-m` may take a `/step`;
 *   month and day-of-week also take names (`jan`, `mon-fri`); day-of-month may be `$`
 *   (the last day of the month, pg_cron ≥ 1.6);
 * - `'N seconds'` (or `'N second'`) with N from 1 to 59 (pg_cron ≥ 1.5);
 * - `@hourly`, `@daily`, `@midnight`, `@weekly`, `@monthly`, `@yearly`, `@annually`,
 *   `@reboot`, `@restart`.
 * Stricter than pg_cron in two ways: text after the fifth field (pg_cron ignores it) and a
 * range that runs backwards (`5-3`, which selects nothing) are refused.
 */

export const CRON_SPECIALS = ['@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually', '@reboot', '@restart'] as const;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Field {
  name: string;
  low: number;
  high: number;
  /** Names for the values low, low + 1, … */
  names?: string[];
}

const FIELDS: Field[] = [
  { name: 'minute', low: 0, high: 59 },
  { name: 'hour', low: 0, high: 23 },
  { name: 'day of month', low: 1, high: 31 },
  { name: 'month', low: 1, high: 12, names: MONTHS },
  { name: 'day of week', low: 0, high: 7, names: DAYS },
];

/** Why `schedule` is not a pg_cron schedule, or null when it is one. */
export function cronProblem(schedule: string): string | null {
  const text = schedule.trim();
  if (text === '') return 'is empty';
  if (/[\r\n]/.test(text)) return 'spans more than one line';
  if (text.startsWith('@')) {
    return (CRON_SPECIALS as readonly string[]).includes(text) ? null : `"${text}" is not one of ${CRON_SPECIALS.join(', ')}`;
  }
  const seconds = /^(\d+)\s+seconds?$/i.exec(text);
  if (seconds) {
    const n = Number(seconds[1]);
    return n >= 1 && n <= 59 ? null : `an interval in seconds must be 1 to 59 seconds, got ${seconds[1]}`;
  }
  const parts = text.split(/[ \t]+/);
  if (parts.length !== 5) return `has ${parts.length} field${parts.length === 1 ? '' : 's'}, not 5 (minute hour day-of-month month day-of-week)`;
  for (const [i, part] of parts.entries()) {
    const field = FIELDS[i]!;
    if (field.name === 'day of month' && part === '$') continue;
    for (const item of part.split(',')) {
      const problem = itemProblem(item, field);
      if (problem) return `${field.name} "${item}"${item === part ? '' : ` (in "${part}")`}: ${problem}`;
    }
  }
  return null;
}

/** One comma-separated item: `*` or `n-m`, either with an optional `/step`, or `n`. */
function itemProblem(item: string, field: Field): string | null {
  const m = /^(?:(\*)|([a-z0-9]+)(?:-([a-z0-9]+))?)(?:\/(\d+))?$/i.exec(item);
  if (!m) return 'is not *, a number or a range n-m (* and ranges may add /step)';
  const [, star, from, to, step] = m;
  if (step !== undefined && !star && to === undefined) return `a step needs * or a range before it (such as ${field.low}-${field.high}/${step})`;
  if (step !== undefined && Number(step) < 1) return 'the step must be at least 1';
  if (star) return null;
  const a = value(from!, field);
  if (typeof a === 'string') return a;
  if (to === undefined) return null;
  const b = value(to, field);
  if (typeof b === 'string') return b;
  return a <= b ? null : 'the range runs backwards, so it selects nothing';
}

function value(token: string, field: Field): number | string {
  const named = field.names?.indexOf(token.toLowerCase()) ?? -1;
  if (named >= 0) return field.low + named;
  if (!/^\d+$/.test(token)) return `"${token}" is not a number${field.names ? ` or a ${field.name} name (${field.names.join(', ')})` : ''}`;
  const n = Number(token);
  return n >= field.low && n <= field.high ? n : `${token} is outside ${field.low}-${field.high}`;
}
