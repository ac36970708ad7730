// parting._attached_between reads a time range's partitions off pg_class's name index,
// trusting that their names sort as their bounds do. Here the name path is held against the
// plain reading of every attached partition (parting._attached, ordered by key), for every
// unit, in zones with DST changes and a half-hour offset, around the hour that repeats when
// clocks go back, with gaps, a detached partition, a table named like a partition but not
// attached, names that are not partitions' shape and a DEFAULT partition: for every pair of
// canonical bounds (lower bounds of partitions that exist, of the detached one and of ones
// that do not, and no bound), both orders and several limits, the two must list the same
// partitions, with the same suffixes and lower bounds, in the same order.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import type { FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { column, ensure, logged, rows, scalar } from './helpers.js';

const columns = (type: string) => ({ id: 'bigint generated always as identity', at: `${type} not null` });
const range = (interval: string, timezone?: string, withDefault = false) =>
  ({ by: 'range', column: 'at', interval, premake: 0, initial: false, default: withDefault, ...(timezone ? { timezone } : {}) }) as const;

/** One root model per unit; each key list has gaps. */
const models: Record<string, { type: string; interval: string; timezone?: string; default?: boolean; keys: string[]; probes: string[] }> = {
  // Clocks go back on 2026-11-01 (01:00 repeats) and forward on 2026-03-08 (02:00 is skipped).
  ev_h: {
    type: 'timestamptz', interval: '1 hour', timezone: 'America/New_York',
    keys: [...hours('2026-11-01 02:00+00', 12, [2, 7]), ...hours('2026-03-08 04:00+00', 6, [2])],
    probes: ['2026-11-01 00:00+00', '2026-11-01 20:00+00', '2026-03-08 06:30+00', '2026-06-01 00:00+00', '2025-01-01 00:00+00'],
  },
  ev_k: {
    type: 'timestamptz', interval: '1 hour', timezone: 'Asia/Kolkata',
    keys: hours('2026-05-31 20:00+00', 10, [4]),
    probes: ['2026-05-31 18:00+00', '2026-06-01 12:00+00'],
  },
  // Wall-clock hours (no zone): the hour names are the key's own.
  ev_t: {
    type: 'timestamp', interval: '1 hour',
    keys: ['2026-11-01 00:00', '2026-11-01 01:00', '2026-11-01 02:00', '2026-11-01 05:00', '2026-11-02 23:00', '2026-11-03 00:00'],
    probes: ['2026-11-01 03:00', '2026-11-02 12:00', '2026-12-01 00:00'],
  },
  // With a DEFAULT partition, which is attached but never listed.
  ev_d: {
    type: 'date', interval: '1 day', default: true,
    keys: ['2025-12-30', '2025-12-31', '2026-01-01', '2026-01-02', '2026-01-05', '2026-01-06', '2026-02-28', '2026-03-01'],
    probes: ['2026-01-03', '2026-01-05', '2026-01-20', '2024-02-29', '2027-01-01'],
  },
  ev_w: {
    type: 'timestamp', interval: '1 week',
    keys: ['2025-12-22', '2025-12-29', '2026-01-05', '2026-01-19', '2026-01-26', '2026-03-02'],
    probes: ['2026-01-12', '2026-02-09', '2025-06-02'],
  },
  ev_m: {
    type: 'timestamptz', interval: '1 month', timezone: 'Asia/Kolkata',
    keys: ['2025-11-15', '2025-12-15', '2026-01-15', '2026-03-15', '2026-04-15', '2026-10-15'],
    probes: ['2026-02-15', '2026-07-15', '2024-01-15'],
  },
  ev_q: {
    type: 'timestamptz', interval: '3 months', timezone: 'America/New_York',
    keys: ['2025-02-01', '2025-05-01', '2025-11-01', '2026-02-01', '2026-08-01'],
    probes: ['2025-08-01', '2026-05-01', '2030-01-01'],
  },
  ev_y: {
    type: 'date', interval: '1 year',
    keys: ['0999-06-01', '2019-06-01', '2020-06-01', '2021-06-01', '2023-06-01', '9999-06-01'],
    probes: ['2022-06-01', '1000-06-01', '5000-06-01'],
  },
};

/** n hourly keys from `from` (UTC), leaving out the offsets listed. */
function hours(from: string, n: number, skip: number[]): string[] {
  const start = Date.parse(from.replace(' ', 'T').replace('+00', 'Z'));
  return Array.from({ length: n }, (_, i) => i)
    .filter((i) => !skip.includes(i))
    .map((i) => new Date(start + i * 3_600_000).toISOString());
}

const config = {
  models: Object.fromEntries(Object.entries(models).map(([name, m]) => [name, {
    columns: columns(m.type), primaryKey: ['id'], partition: range(m.interval, m.timezone, m.default),
  }])),
} as ConfigInput;

const Names = suite<{ db?: FreshDatabase }>('_attached_between: the name path lists what a scan of every attached partition lists', {});

Names.before(async (ctx) => {
  await logged('attached-between: install', async () => {
    ctx.db = await installed('attached_between', config);
  });
});
Names.after(async (ctx) => ctx.db?.drop());

Names('every unit, DST and half-hour zones, gaps, a detached partition, decoys: same partitions, same order', async (ctx) => {
  const c = ctx.db!.client;
  for (const [name, m] of Object.entries(models)) {
    for (const key of m.keys) await ensure(c, name, key);
    assert.ok(await scalar<boolean>(c, `SELECT parting._sorted_names(parting._model($1))`, [name]), `${name}: names sort`);
  }
  // Both of the repeated 01:00 hours are partitions (the second is named <hour>_2).
  assert.equal(await column(c, `SELECT relname::text FROM pg_class WHERE relkind = 'r' AND relname LIKE 'ev\\_h\\_2026\\_11\\_01\\_01%' ORDER BY 1`),
    ['ev_h_2026_11_01_0100', 'ev_h_2026_11_01_0100_2']);
  // A detached partition, a table with a partition's name that was never attached, names of other shapes.
  await c.query(`SELECT parting.detach_partition('ev_d', '2026-01-05')`);
  await c.query(`CREATE TABLE ev_d_2026_01_03 (LIKE ev_d); CREATE TABLE ev_d_2026_01_02x (LIKE ev_d);
                 CREATE TABLE ev_d_2026_01 (LIKE ev_d); CREATE TABLE "ev_d_2026_01_01 " (LIKE ev_d)`);

  let compared = 0;
  for (const [name, m] of Object.entries(models)) {
    // Canonical bounds: every partition's lower bound, and those of partitions that do not exist.
    const bounds = await column<string>(c, `
      SELECT lower FROM parting._attached($1) WHERE NOT is_default
      UNION SELECT (parting._bound(parting._model($1), parting._canonical(parting._model($1), p))).lower FROM unnest($2::text[]) p`,
      [name, m.probes]);
    const mismatches = await rows<{ after: string; before: string; descending: boolean; lim: number; got: string[]; want: string[] }>(c, `
      WITH cfg AS (SELECT parting._model($1) AS cfg),
      b AS (SELECT unnest($2::text[]) AS v UNION ALL SELECT NULL),
      cases AS (
        SELECT a.v AS after, z.v AS before, d AS descending, l AS lim
          FROM b a, b z, (VALUES (false), (true)) o(d), (VALUES (NULL::int), (1), (2), (5)) n(l))
      SELECT x.after, x.before, x.descending, x.lim, x.got, x.want FROM (
        SELECT k.*,
               ARRAY(SELECT concat_ws(' ', g.partition, g.suffix, g.lower)
                       FROM cfg, parting._attached_between(cfg.cfg, k.after, k.before, k.descending, k.lim)
                     WITH ORDINALITY g ORDER BY g.ordinality) AS got,
               ARRAY(SELECT concat_ws(' ', s.partition, s.key, s.lower) FROM (
                       SELECT a.partition, a.key, a.lower, parting._ord(cfg.cfg, a.lower) AS o FROM cfg, parting._attached($1) a
                        WHERE NOT a.is_default
                          AND (k.after IS NULL OR parting._ord(cfg.cfg, a.lower) > parting._ord(cfg.cfg, k.after))
                          AND (k.before IS NULL OR parting._ord(cfg.cfg, a.lower) < parting._ord(cfg.cfg, k.before))) s
                     ORDER BY CASE WHEN k.descending THEN -s.o ELSE s.o END LIMIT k.lim) AS want
          FROM cases k) x
       WHERE x.got IS DISTINCT FROM x.want`, [name, bounds]);
    assert.equal(mismatches.slice(0, 5), [], `${name}: the name path and the scan differ`);
    const cases = (bounds.length + 1) ** 2 * 8;
    compared += cases;
    // The comparison is not vacuous: with no bounds, the whole attached list comes back.
    const all = await column<string>(c, `SELECT partition::text FROM parting._attached_between(parting._model($1), NULL, NULL)`, [name]);
    assert.is(all.length, m.keys.length - (name === 'ev_d' ? 1 : 0), `${name}: every attached partition, once`);
  }
  assert.ok(compared > 1000, `compared ${compared} cases`);
});

Names.run();
