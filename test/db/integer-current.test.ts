// Models whose partition names do not sort by key: integer ranges of each type (smallint,
// integer, bigint) with partitions at the type's limits, gaps and a DEFAULT partition, and
// an hourly model whose table name is long enough that every partition name is shortened
// with a hash. For them parting._attached_between walks the partitions a range can hold,
// looking each up by name; here it is held against the plain reading of every attached
// partition (parting._attached, ordered by key) for every pair of bounds, both orders and
// several limits. And parting._current, which asks max() only of the partitions at and
// above the newest one and then of windows below it, is held against max() over every
// partition but the default, for tables empty, with keys only in the default partition,
// only in a low partition below gaps, at the type's largest and smallest values; and after
// a backfill (partitions made below the top ones) it reads only the top partitions, and one
// row of the history of the 2,022 partitions made.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import type { FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { column, ensure, logged, rows, scalar } from './helpers.js';

const LONG = 'hourly_events_with_a_table_name_long_enough_to_shorten';

const types = [
  { model: 's16', type: 'smallint', max: '32767', min: '-32768' },
  { model: 'i32', type: 'integer', max: '2147483647', min: '-2147483648' },
  { model: 'i64', type: 'bigint', max: '9223372036854775807', min: '-9223372036854775808' },
];

/** Keys made for each integer model: the bottom and top partitions, gaps, negatives. */
const intKeys = (t: (typeof types)[number]): string[] => [t.min, '-5000', '-1000', '0', '1000', '2000', '7000', '9000', '10000', t.max];

const config: ConfigInput = {
  models: {
    ...Object.fromEntries(types.map((t) => [t.model, {
      columns: { id: 'bigint generated always as identity', k: `${t.type} not null` },
      partition: { by: 'range', column: 'k', interval: 1000, premake: 0, initial: false, default: true },
    }])),
    upward: {
      columns: { id: 'bigint generated always as identity', k: 'bigint not null' },
      partition: { by: 'range', column: 'k', interval: 1000, premake: 0, initial: false },
    },
    [LONG]: {
      columns: { id: 'bigint generated always as identity', at: 'timestamptz not null' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'at', interval: '1 hour', timezone: 'America/New_York', premake: 0, initial: false },
    },
  },
};

/** Hourly keys around the night clocks go back in New York (01:00 repeats), with gaps. */
const hourKeys = ['2026-11-01 03:00+00', '2026-11-01 04:00+00', '2026-11-01 05:00+00', '2026-11-01 06:00+00', '2026-11-01 07:00+00',
  '2026-11-01 10:00+00', '2026-11-01 11:00+00', '2026-11-02 00:00+00'];
const hourProbes = ['2026-11-01 00:00+00', '2026-11-01 08:30+00', '2026-12-01 00:00+00'];

const Walk = suite<{ db?: FreshDatabase }>('models whose names do not sort: the walk and the current key', {});
Walk.before(async (ctx) => {
  await logged('install', async () => {
    ctx.db = await installed('integer_current', config);
    const c = ctx.db.client;
    for (const t of types) for (const k of intKeys(t)) await ensure(c, t.model, k);
    for (const k of hourKeys) await ensure(c, LONG, k);
  });
});
Walk.after(async (ctx) => ctx.db?.drop());

/** Every (after, before, order, limit) case of the bounds: the cases where the walk and the scan differ. */
async function mismatches(c: pg.Client, model: string, bounds: string[]): Promise<unknown[]> {
  return rows(c, `
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
     WHERE x.got IS DISTINCT FROM x.want`, [model, bounds]);
}

Walk('the names are not sorted ones, and the long model\'s are shortened with a hash', async (ctx) => {
  const c = ctx.db!.client;
  for (const m of [...types.map((t) => t.model), LONG]) {
    assert.is(await scalar<boolean>(c, `SELECT parting._sorted_names(parting._model($1))`, [m]), false, m);
  }
  const names = await column<string>(c, `SELECT relname::text FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
                                          WHERE i.inhparent = $1::regclass`, [`public.${LONG}`]);
  assert.is(names.length, hourKeys.length);
  for (const n of names) assert.match(n, /_[0-9a-f]{8}_\d{4}_\d\d_\d\d_\d{4}(_2)?$/, n);
});

Walk('integer ranges at the type limits and hash-shortened names: the walk lists what the scan lists', async (ctx) => {
  const c = ctx.db!.client;
  let compared = 0;
  for (const [model, probes] of [...types.map((t) => [t.model, ['3000', '-3000', '9500', t.max, t.min]] as const), [LONG, hourProbes] as const]) {
    const bounds = await column<string>(c, `
      SELECT lower FROM parting._attached($1) WHERE NOT is_default
      UNION SELECT (parting._bound(parting._model($1), parting._canonical(parting._model($1), p))).lower FROM unnest($2::text[]) p`,
      [model, probes]);
    assert.equal((await mismatches(c, model, bounds)).slice(0, 5), [], `${model}: the walk and the scan differ`);
    compared += (bounds.length + 1) ** 2 * 8;
  }
  assert.ok(compared > 2000, `compared ${compared} cases`);
});

Walk('the walk past its budget: a range with more steps than it walks still lists every partition', async (ctx) => {
  const c = ctx.db!.client;
  // From the bottom partition to the top one of bigint: far more steps than the budget.
  const got = await column<string>(c, `SELECT partition::text FROM parting._attached_between(parting._model('i64'), '-9223372036854775808', NULL)`);
  assert.equal(got, intKeys(types[2]!).slice(1).map((k) => {
    const low = BigInt(k) >= 9223372036854775000n ? '9223372036854775000' : k;
    return `i64_${low.replace('-', 'm')}`;
  }));
});

/** What _current must say: the largest key of every partition but the default, or 0. */
async function truth(c: pg.Client, model: string): Promise<string> {
  return scalar<string>(c, `SELECT coalesce(max(k), 0)::text FROM ${model} WHERE tableoid <> '${model}_default'::regclass`);
}

Walk('the current key: max() of the partitions at and above the newest, then windows below it, at every type', async (ctx) => {
  const c = ctx.db!.client;
  for (const t of types) {
    const m = t.model;
    const current = (): Promise<string> => scalar<string>(c, `SELECT parting._current(parting._model($1))`, [m]);
    const states: [string, string[]][] = [
      ['empty', []],
      ['a key in the default partition only (past a gap)', ['5500']],
      ['keys in a low partition below gaps', ['5500', '1500', '1999']],
      ['a negative key only', ['-4500']],
      ['the type\'s smallest value only', [t.min]],
      ['the type\'s largest value', [t.min, '1500', t.max]],
      ['keys in the newest partition', ['9001']],
    ];
    for (const [what, keys] of states) {
      await c.query(`TRUNCATE ${m}`);
      for (const k of keys) await c.query(`INSERT INTO ${m} (k) VALUES ($1::${t.type})`, [k]);
      assert.is(await current(), await truth(c, m), `${m}, ${what}`);
    }
    // A partition made last (so newest by oid) below the top one: keys above it still count.
    await c.query(`TRUNCATE ${m}`);
    await c.query(`INSERT INTO ${m} (k) VALUES (10500)`);
    await ensure(c, m, '-20000');
    assert.is(await current(), '10500', `${m}: the newest partition is not the top one`);
    await c.query(`DELETE FROM ${m} WHERE k = 10500`);
    await c.query(`INSERT INTO ${m} (k) VALUES (-19500)`);
    assert.is(await current(), '-19500', `${m}: the key in the newest partition, below the top one`);
  }
});

/**
 * Rows of parting.history this session has read and not yet sent to the statistics (earlier
 * transactions' too: take differences): by sequential scans, and entries of every index.
 */
const historyRead = (c: pg.Client): Promise<number> => scalar<number>(c, `
  SELECT (pg_stat_get_xact_tuples_returned('parting.history'::regclass)
          + (SELECT sum(pg_stat_get_xact_tuples_returned(x.indexrelid)) FROM pg_index x WHERE x.indrelid = 'parting.history'::regclass))::int`);

Walk('the current key after a backfill: max() reads the partitions at the top, not every one above the backfilled', async (ctx) => {
  const c = ctx.db!.client;
  // Twenty partitions made upward, a key in the 18th, then two made below them (the newest by oid).
  for (let k = 0; k < 20_000; k += 1000) await ensure(c, 'upward', String(k));
  await c.query(`INSERT INTO upward (k) VALUES (17500)`);
  await ensure(c, 'upward', '-20000');
  await ensure(c, 'upward', '-19000');
  // And a long history: 2,000 partitions made long ago and dropped since, logged as created.
  await c.query(`
    INSERT INTO parting.history (model, partition, action, detail)
    SELECT 'upward', 'upward_old_' || g, 'created', jsonb_build_object('lower', (-10000000 - 1000 * g)::text, 'upper', (-9999000 - 1000 * g)::text)
      FROM generate_series(1, 2000) g`);
  await c.query('ANALYZE parting.history');
  await c.query('BEGIN');
  try {
    const historyBefore = await historyRead(c);
    assert.is(await scalar<string>(c, `SELECT parting._current(parting._model('upward'))`), '17500');
    // The partitions read: from the top (19000) down to the one holding the key, by the windows below it.
    const read = await column<string>(c, `
      SELECT l.relation::regclass::text FROM pg_locks l JOIN pg_inherits i ON i.inhrelid = l.relation
       WHERE l.pid = pg_backend_pid() AND i.inhparent = 'upward'::regclass ORDER BY 1`);
    assert.equal(read, ['upward_16000', 'upward_17000', 'upward_18000', 'upward_19000']);
    // The highest partition logged as created: one history row read, not one per partition made (2,022).
    assert.is(await historyRead(c) - historyBefore, 1);
  } finally {
    await c.query('ROLLBACK');
  }
});

Walk.run();
