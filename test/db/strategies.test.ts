// Every strategy end to end — names, bounds (from the catalog
// and from parting.partitions()) and where PostgreSQL routes rows.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { installed } from '../harness/install.js';
import type { FreshDatabase } from '../harness/db.js';

const config: ConfigInput = {
  schema: 'public',
  timezone: 'UTC',
  premake: 2,
  models: {
    wk: {
      columns: { id: 'bigint generated always as identity', at: 'timestamptz not null' },
      partition: { by: 'range', column: 'at', interval: '1 week', initial: false },
    },
    dy: {
      columns: { id: 'bigint generated always as identity', on_day: 'date not null' },
      partition: { by: 'range', column: 'on_day', interval: '1 day', initial: false },
    },
    qt: {
      columns: { id: 'bigint generated always as identity', at: 'timestamptz not null' },
      partition: { by: 'range', column: 'at', interval: '3 months', initial: false },
    },
    yr: {
      columns: { id: 'bigint generated always as identity', at: 'timestamp not null' },
      partition: { by: 'range', column: 'at', interval: '1 year', initial: false },
    },
    ir: {
      columns: { k: 'bigint not null', note: 'text' },
      partition: { by: 'range', column: 'k', interval: 1000, initial: false },
    },
    ir_empty: {
      columns: { k: 'integer not null' },
      partition: { by: 'range', column: 'k', interval: 1000, initial: false },
    },
    li: {
      columns: { id: 'bigint generated always as identity', tenant_id: 'integer not null' },
      partition: { by: 'list', column: 'tenant_id' },
    },
    lt: {
      columns: { id: 'bigint generated always as identity', tenant: 'text not null' },
      partition: { by: 'list', column: 'tenant', initial: ['acme'], default: true },
    },
    p0: {
      columns: { id: 'bigint generated always as identity', at: 'timestamptz not null' },
      partition: { by: 'range', column: 'at', interval: '1 month', premake: 0, initial: false },
    },
  },
};

interface Part {
  partition: string;
  key: string;
  lower: string;
  upper: string | null;
  is_default: boolean;
}

const Strategies = suite<{ db?: FreshDatabase }>('strategies', {});

Strategies.before(async (ctx) => {
  try {
    ctx.db = await installed('strategies', config);
    await ctx.db.client.query(`SET TimeZone = 'UTC'`);
  } catch (err) {
    console.error(err); // uvu swallows errors thrown by before() hooks
    throw err;
  }
});

Strategies.after(async (ctx) => {
  await ctx.db?.drop();
});

async function ensure(c: pg.Client, model: string, key?: string): Promise<string[]> {
  const { rows } = await c.query<{ p: string }>(
    `SELECT p::text AS p FROM parting.ensure_partition($1, $2) AS p`, [model, key ?? null]);
  return rows.map((r) => r.p);
}

async function partitions(c: pg.Client, model: string): Promise<Part[]> {
  const { rows } = await c.query<Part>(
    `SELECT partition::text AS partition, key, lower, upper, is_default FROM parting.partitions($1)`, [model]);
  return rows;
}

async function bound(c: pg.Client, rel: string): Promise<string> {
  const { rows } = await c.query<{ b: string }>(
    `SELECT pg_get_expr(c.relpartbound, c.oid) AS b FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
      WHERE c.oid = $1::regclass`, [rel]);
  assert.is(rows.length, 1, `${rel} is a partition`);
  return rows[0]!.b;
}

/** Inserts one row per value of `col` and returns the partition each landed in. */
async function routed(c: pg.Client, table: string, col: string, values: (string | number)[]): Promise<string[]> {
  const out: string[] = [];
  for (const v of values) {
    const { rows } = await c.query<{ p: string }>(
      `INSERT INTO ${table} (${col}) VALUES ($1) RETURNING tableoid::regclass::text AS p`, [v]);
    out.push(rows[0]!.p);
  }
  return out;
}

async function errorOf(p: Promise<unknown>): Promise<Error & { code?: string }> {
  return p.then(() => { throw new Error('expected an error'); }, (e: Error & { code?: string }) => e);
}

Strategies('weekly: partitions start on Monday and are named YYYY_MM_DD', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await ensure(c, 'wk', '2013-03-14'), ['wk_2013_03_11']); // a Thursday
  assert.equal(await ensure(c, 'wk', '2013-03-17 23:59'), []);         // the Sunday after: same week
  assert.equal(await ensure(c, 'wk', '2013-03-18'), ['wk_2013_03_18']); // the next Monday
  assert.equal(await partitions(c, 'wk'), [
    { partition: 'wk_2013_03_11', key: '2013_03_11', lower: '2013-03-11 00:00:00+00', upper: '2013-03-18 00:00:00+00', is_default: false },
    { partition: 'wk_2013_03_18', key: '2013_03_18', lower: '2013-03-18 00:00:00+00', upper: '2013-03-25 00:00:00+00', is_default: false },
  ]);
  const dow = await c.query<{ d: number }>(`SELECT extract(isodow FROM lower::timestamptz)::int AS d FROM parting.partitions('wk')`);
  assert.equal(dow.rows.map((r) => r.d), [1, 1]);
  assert.is(await bound(c, 'wk_2013_03_11'), "FOR VALUES FROM ('2013-03-11 00:00:00+00') TO ('2013-03-18 00:00:00+00')");
  assert.equal(await routed(c, 'wk', 'at', ['2013-03-11 00:00+00', '2013-03-17 23:59:59+00', '2013-03-18 00:00+00']),
    ['wk_2013_03_11', 'wk_2013_03_11', 'wk_2013_03_18']);
});

Strategies('daily (date column): named YYYY_MM_DD, one day wide', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await ensure(c, 'dy', '2013-03-15 10:00'), ['dy_2013_03_15']);
  assert.equal(await ensure(c, 'dy', '2013_03_16'), ['dy_2013_03_16']);
  assert.equal(await partitions(c, 'dy'), [
    { partition: 'dy_2013_03_15', key: '2013_03_15', lower: '2013-03-15', upper: '2013-03-16', is_default: false },
    { partition: 'dy_2013_03_16', key: '2013_03_16', lower: '2013-03-16', upper: '2013-03-17', is_default: false },
  ]);
  assert.is(await bound(c, 'dy_2013_03_15'), "FOR VALUES FROM ('2013-03-15') TO ('2013-03-16')");
  assert.equal(await routed(c, 'dy', 'on_day', ['2013-03-15', '2013-03-16']), ['dy_2013_03_15', 'dy_2013_03_16']);
  const err = await errorOf(c.query(`INSERT INTO dy (on_day) VALUES ('2013-03-17')`));
  assert.is(err.code, '23514', err.message); // no partition of relation "dy" found for row
});

Strategies('quarterly: 2013-03 is in the 2013_01 quarter, Jan 1 .. Apr 1', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await ensure(c, 'qt', '2013-03'), ['qt_2013_01']);
  assert.equal(await ensure(c, 'qt', '2013-01-01'), []);
  assert.equal(await ensure(c, 'qt', '2013-05-20'), ['qt_2013_04']);
  assert.equal(await partitions(c, 'qt'), [
    { partition: 'qt_2013_01', key: '2013_01', lower: '2013-01-01 00:00:00+00', upper: '2013-04-01 00:00:00+00', is_default: false },
    { partition: 'qt_2013_04', key: '2013_04', lower: '2013-04-01 00:00:00+00', upper: '2013-07-01 00:00:00+00', is_default: false },
  ]);
  assert.is(await bound(c, 'qt_2013_01'), "FOR VALUES FROM ('2013-01-01 00:00:00+00') TO ('2013-04-01 00:00:00+00')");
  assert.equal(await routed(c, 'qt', 'at', ['2013-01-01 00:00+00', '2013-03-31 23:59:59+00', '2013-04-01 00:00+00', '2013-06-30 12:00+00']),
    ['qt_2013_01', 'qt_2013_01', 'qt_2013_04', 'qt_2013_04']);
});

Strategies('yearly (timestamp column): named YYYY', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await ensure(c, 'yr', '2013-03'), ['yr_2013']);
  assert.equal(await ensure(c, 'yr', '2013-12-31 23:59:59'), []);
  assert.equal(await partitions(c, 'yr'), [
    { partition: 'yr_2013', key: '2013', lower: '2013-01-01 00:00:00', upper: '2014-01-01 00:00:00', is_default: false },
  ]);
  assert.is(await bound(c, 'yr_2013'), "FOR VALUES FROM ('2013-01-01 00:00:00') TO ('2014-01-01 00:00:00')");
  assert.equal(await routed(c, 'yr', 'at', ['2013-01-01 00:00', '2013-12-31 23:59:59.999999']), ['yr_2013', 'yr_2013']);
});

Strategies('integer range, width 1000: [1000,2000) is ir_1000, [-1000,0) is ir_m1000', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await ensure(c, 'ir', '1500'), ['ir_1000']);
  assert.equal(await ensure(c, 'ir', '1000'), []);
  assert.equal(await ensure(c, 'ir', '1999'), []);
  assert.equal(await ensure(c, 'ir', '-5'), ['ir_m1000']);
  assert.equal(await ensure(c, 'ir', '-1000'), []);
  assert.equal(await partitions(c, 'ir'), [
    { partition: 'ir_m1000', key: 'm1000', lower: '-1000', upper: '0', is_default: false },
    { partition: 'ir_1000', key: '1000', lower: '1000', upper: '2000', is_default: false },
  ]);
  // (PostgreSQL prints bigint bounds quoted.)
  assert.is(await bound(c, 'ir_1000'), "FOR VALUES FROM ('1000') TO ('2000')");
  assert.is(await bound(c, 'ir_m1000'), "FOR VALUES FROM ('-1000') TO ('0')");
  assert.equal(await routed(c, 'ir', 'k', [1000, 1999, -1000, -1, 1500, -5]),
    ['ir_1000', 'ir_1000', 'ir_m1000', 'ir_m1000', 'ir_1000', 'ir_m1000']);
  const err = await errorOf(c.query(`INSERT INTO ir (k) VALUES (0)`));
  assert.is(err.code, '23514', err.message);
  const bad = await errorOf(c.query(`SELECT parting.ensure_partition('ir', '15x')`));
  assert.match(bad.message, /malformed key "15x" for model "ir"/);
});

Strategies('integer range with no key: the partition of max(key) plus premake', async (ctx) => {
  const c = ctx.db!.client;
  // max(k) is 1999 (from the test before): ir_1000 exists, premake 2 adds the next two.
  assert.equal(await ensure(c, 'ir'), ['ir_2000', 'ir_3000']);
  assert.equal(await ensure(c, 'ir'), []);
  assert.equal((await partitions(c, 'ir')).map((p) => [p.partition, p.lower, p.upper]), [
    ['ir_m1000', '-1000', '0'], ['ir_1000', '1000', '2000'], ['ir_2000', '2000', '3000'], ['ir_3000', '3000', '4000'],
  ]);
  // An empty table counts as key 0.
  assert.equal(await ensure(c, 'ir_empty'), ['ir_empty_0', 'ir_empty_1000', 'ir_empty_2000']);
  assert.equal(await routed(c, 'ir_empty', 'k', [0, 2999]), ['ir_empty_0', 'ir_empty_2000']);
});

Strategies('list on an integer column: key 42 makes li_42', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await ensure(c, 'li', '42'), ['li_42']);
  assert.equal(await ensure(c, 'li', ' 42 '), []);
  assert.equal(await partitions(c, 'li'), [
    { partition: 'li_42', key: '42', lower: '42', upper: null, is_default: false },
  ]);
  assert.is(await bound(c, 'li_42'), 'FOR VALUES IN (42)');
  assert.equal(await routed(c, 'li', 'tenant_id', [42, 42]), ['li_42', 'li_42']);
  const { rows } = await c.query<{ p: string }>(`SELECT parting.partition_for('li', 42)::text AS p`);
  assert.is(rows[0]!.p, 'li_42');
  const err = await errorOf(c.query(`INSERT INTO li (tenant_id) VALUES (43)`));
  assert.is(err.code, '23514', err.message); // no default partition: refused, not lost
  const bad = await errorOf(c.query(`SELECT parting.ensure_partition('li', 'abc')`));
  assert.match(bad.message, /malformed key "abc" for model "li"/);
  const noKey = await errorOf(c.query(`SELECT parting.ensure_partition('li')`));
  assert.match(noKey.message, /list-partitioned: name the key/);
});

Strategies('list on text with a default partition: unknown keys go to the default', async (ctx) => {
  const c = ctx.db!.client;
  // install.sql made the default and the initial key.
  assert.equal(await partitions(c, 'lt'), [
    { partition: 'lt_acme', key: 'acme', lower: 'acme', upper: null, is_default: false },
    { partition: 'lt_default', key: 'default', lower: null as unknown as string, upper: null, is_default: true },
  ]);
  assert.is(await bound(c, 'lt_default'), 'DEFAULT');
  assert.is(await bound(c, 'lt_acme'), "FOR VALUES IN ('acme')");
  assert.equal(await routed(c, 'lt', 'tenant', ['acme', 'unknown', 'other']), ['lt_acme', 'lt_default', 'lt_default']);
  const pf = await c.query<{ a: string; b: string }>(
    `SELECT parting.partition_for('lt', 'acme'::text)::text AS a, parting.partition_for('lt', 'nobody'::text)::text AS b`);
  assert.equal(pf.rows[0], { a: 'lt_acme', b: 'lt_default' });
  // A new key gets its own partition; its rows stop going to the default.
  assert.equal(await ensure(c, 'lt', 'baz'), ['lt_baz']);
  assert.equal(await routed(c, 'lt', 'tenant', ['baz', 'unknown']), ['lt_baz', 'lt_default']);
  const counts = await c.query<{ p: string; n: string }>(
    `SELECT tableoid::regclass::text AS p, count(*) AS n FROM lt GROUP BY 1 ORDER BY 1`);
  assert.equal(counts.rows, [{ p: 'lt_acme', n: '1' }, { p: 'lt_baz', n: '1' }, { p: 'lt_default', n: '3' }]);
  // Rows of a key already in the default partition move into its new partition, in the
  // same transaction: none left behind, none copied twice.
  assert.equal(await ensure(c, 'lt', 'unknown'), ['lt_unknown']);
  const after = await c.query<{ p: string; n: string }>(
    `SELECT tableoid::regclass::text AS p, count(*) AS n FROM lt GROUP BY 1 ORDER BY 1`);
  assert.equal(after.rows, [{ p: 'lt_acme', n: '1' }, { p: 'lt_baz', n: '1' }, { p: 'lt_default', n: '1' }, { p: 'lt_unknown', n: '2' }]);
  const moved = await c.query(`SELECT detail->'rows' AS r FROM parting.history WHERE action = 'moved' AND partition = 'lt_unknown'`);
  assert.equal(moved.rows, [{ r: { lt: 2 } }]);
});

Strategies('premake: 0 creates only the current partition', async (ctx) => {
  const c = ctx.db!.client;
  await c.query('BEGIN');
  try {
    const made = await ensure(c, 'p0');
    // now() is the transaction's start, the same instant ensure_partition used.
    const { rows } = await c.query<{ name: string; holds: boolean }>(`
      SELECT 'p0_' || to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM') AS name,
             (SELECT now() >= lower::timestamptz AND now() < upper::timestamptz FROM parting.partitions('p0')) AS holds`);
    assert.equal(made, [rows[0]!.name]);
    assert.is(rows[0]!.holds, true);
    assert.equal(await ensure(c, 'p0'), []);
    assert.is((await partitions(c, 'p0')).length, 1);
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  }
});

Strategies('premake: 2 (the project default) creates the current partition and two ahead', async (ctx) => {
  const c = ctx.db!.client;
  await c.query('BEGIN');
  try {
    const made = await ensure(c, 'qt');
    const { rows } = await c.query<{ names: string[] }>(`
      SELECT array_agg('qt_' || to_char(q, 'YYYY_MM') ORDER BY q) AS names
        FROM generate_series(date_trunc('quarter', now() AT TIME ZONE 'UTC'), date_trunc('quarter', now() AT TIME ZONE 'UTC') + interval '6 months', interval '3 months') AS q`);
    assert.equal(made, rows[0]!.names);
  } finally {
    await c.query('ROLLBACK');
  }
});

Strategies.run();
