// Integer range keys at the limits of their column's type (smallint, integer, bigint):
// the top partition ends at MAXVALUE and the bottom one starts at the type's minimum, so
// both can be made, PostgreSQL routes the type's largest and smallest values there, and
// partition_for agrees; premake stops at the top, maintenance drains rows into it and
// retires the bottom one, and both detach, archive and attach again. Also 19-digit bigint
// keys, and the longest text list key pgpart accepts (one whose partition can be detached).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import type { FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { column, ensure, logged, pgError, rows, scalar } from './helpers.js';
import { call, count, historySince, lastHistoryId, lines } from './maintenance-helpers.js';

type Ctx = { db?: FreshDatabase };

/** A catalog bound as pg_get_expr prints it, quotes removed (int2/int8 print quoted, int4 bare). */
async function boundOf(c: pg.Client, rel: string): Promise<string> {
  return scalar<string>(c, `SELECT replace(pg_get_expr(relpartbound, oid), '''', '') FROM pg_class WHERE oid = $1::regclass`, [rel]);
}

/** The partition PostgreSQL routes a row to, and what partition_for says (text and typed). */
async function routedAndFound(c: pg.Client, model: string, type: string, k: string): Promise<string[]> {
  const routed = await scalar<string>(c, `INSERT INTO ${model} (k) VALUES ($1::${type}) RETURNING tableoid::regclass::text`, [k]);
  const byText = await scalar<string>(c, `SELECT parting.partition_for($1, $2::text)::text`, [model, k]);
  const typed = await scalar<string>(c, `SELECT parting.partition_for($1, $2::${type})::text`, [model, k]);
  return [routed, byText, typed];
}

/** Regclass texts without the schema, for comparing what the SQL API returned. */
const bare = (names: string[]) => names.map((n) => n.replace(/^(public|archive)\./, ''));

// ── the top and bottom partitions of each integer type ─────────────────────

const types: { model: string; type: string; max: string; top: string; min: string; bottomUpper: string; prefix: string }[] = [
  { model: 's16', type: 'smallint', max: '32767', top: '32000', min: '-32768', bottomUpper: '-32000', prefix: 's16' },
  { model: 'i32', type: 'integer', max: '2147483647', top: '2147483000', min: '-2147483648', bottomUpper: '-2147483000', prefix: 'i32' },
  { model: 'i64', type: 'bigint', max: '9223372036854775807', top: '9223372036854775000', min: '-9223372036854775808',
    bottomUpper: '-9223372036854775000', prefix: 'i64' },
];

const limitsConfig: ConfigInput = {
  models: {
    ...Object.fromEntries(types.map((t) => [t.model, {
      columns: { id: 'bigint generated always as identity', k: `${t.type} not null` },
      partition: { by: 'range', column: 'k', interval: 1000, initial: false },
    }])),
    top16: {
      columns: { id: 'bigint generated always as identity', k: 'smallint not null' },
      partition: { by: 'range', column: 'k', interval: 1000, premake: 3, initial: false },
    },
  },
};

const Limits = suite<Ctx>('integer range keys at the column type\'s limits', {});
Limits.before(async (ctx) => {
  ctx.db = await logged('install', () => installed('int_limits', limitsConfig));
});
Limits.after(async (ctx) => ctx.db?.drop());

for (const t of types) {
  Limits(`${t.type}: the top partition ${t.prefix}_${t.top} ends at MAXVALUE and holds ${t.max}; the bottom one starts at ${t.min}`, async (ctx) => {
    const c = ctx.db!.client;
    const top = `${t.prefix}_${t.top}`;
    const bottom = `${t.prefix}_m${t.min.slice(1)}`;
    assert.equal(await ensure(c, t.model, t.max), [top]);
    assert.equal(await ensure(c, t.model, t.min), [bottom]);
    assert.equal(await ensure(c, t.model, t.top), [], 'the top partition holds its lower bound');
    assert.is(await boundOf(c, top), `FOR VALUES FROM (${t.top}) TO (MAXVALUE)`);
    assert.is(await boundOf(c, bottom), `FOR VALUES FROM (${t.min}) TO (${t.bottomUpper})`);
    assert.equal(await rows(c, `SELECT partition::text, key, lower, upper FROM parting.partitions($1) ORDER BY lower::numeric`, [t.model]), [
      { partition: bottom, key: `m${t.min.slice(1)}`, lower: t.min, upper: t.bottomUpper },
      { partition: top, key: t.top, lower: t.top, upper: 'MAXVALUE' },
    ]);
    // The CHECK that lets ATTACH skip its scan has no upper test on the top partition.
    assert.is(await scalar(c, `SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1`, [`${top}_bound`]),
      `CHECK (((k IS NOT NULL) AND (k >= ${t.type === 'integer' ? t.top : `'${t.top}'::${t.type}`})))`);

    const below = (BigInt(t.top) - 1n).toString();
    assert.equal(await ensure(c, t.model, below), [`${t.prefix}_${(BigInt(t.top) - 1000n).toString()}`]);
    assert.is(await boundOf(c, `${t.prefix}_${(BigInt(t.top) - 1000n).toString()}`), `FOR VALUES FROM (${BigInt(t.top) - 1000n}) TO (${t.top})`);
    for (const [k, want] of [[t.max, top], [(BigInt(t.max) - 1n).toString(), top], [t.top, top],
                             [below, `${t.prefix}_${BigInt(t.top) - 1000n}`],
                             [t.min, bottom], [(BigInt(t.min) + 1n).toString(), bottom], [(BigInt(t.bottomUpper) - 1n).toString(), bottom]]) {
      assert.equal(await routedAndFound(c, t.model, t.type, k!), [want, want, want], `key ${k}`);
    }
  });
}

Limits('19-digit bigint keys are keys; one past bigint is out of range for the column, 20 digits malformed', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await ensure(c, 'i64', '9223372036854773999'), ['i64_9223372036854773000']);
  assert.equal(await ensure(c, 'i64', ' -9223372036854775807 '), []);
  assert.is(await scalar(c, `SELECT parting.partition_for('i64', '1000000000000000000')::text`).catch((e: Error) => e.message),
    'no partition of model "i64" holds 1000000000000000000');
  for (const [model, key] of [['i64', '9223372036854775808'], ['i64', '-9223372036854775809'], ['i32', '2147483648'], ['s16', '-32769']]) {
    const err = await pgError(c, `SELECT parting.ensure_partition($1, $2)`, [model, key]);
    assert.is(err.code, '22023', err.message);
    assert.is(err.message, `key "${key}" for model "${model}" is out of range for its k column`);
  }
  const err = await pgError(c, `SELECT parting.ensure_partition('i64', '12345678901234567890')`);
  assert.is(err.message, 'malformed key "12345678901234567890" for model "i64": expected an integer');
});

Limits('premake stops at the top partition: ensure_partition(model) makes it once, then nothing; the plan is empty', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await ensure(c, 'top16', '31500'), ['top16_31000']);
  await c.query(`INSERT INTO top16 (k) VALUES (31500)`);
  // premake 3 from the current partition (that of max(k) = 31500): 32000 is the last one.
  assert.equal(await ensure(c, 'top16'), ['top16_32000']);
  assert.is(await boundOf(c, 'top16_32000'), 'FOR VALUES FROM (32000) TO (MAXVALUE)');
  assert.equal(await ensure(c, 'top16'), []);
  await c.query(`INSERT INTO top16 (k) VALUES (32767)`);
  assert.equal(await ensure(c, 'top16'), []);
  assert.equal(await rows(c, `SELECT step, arg FROM parting._due(parting._model('top16'))`), []);
});

Limits.run();

// ── maintenance, detach and attach with the top and bottom partitions ──────

const maintConfig: ConfigInput = {
  models: {
    ev: {
      columns: { id: 'bigint generated always as identity', k: 'integer not null' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'k', interval: 1000, premake: 2, initial: false, default: true,
                   retention: { keep: 2, action: 'detach' } },
    },
    evd: {
      columns: { id: 'bigint generated always as identity', note: 'text' },
      primaryKey: ['id'],
      partitionForeignKey: { column: 'ev_id', references: 'ev' },
    },
    low: {
      columns: { id: 'bigint generated always as identity', k: 'integer not null' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'k', interval: 1000, premake: 0, initial: false, retention: { keep: 1, action: 'archive' } },
    },
  },
};

/** Inserts an ev row and an evd row referencing it. */
async function evPair(c: pg.Client, k: string): Promise<void> {
  await c.query(`WITH e AS (INSERT INTO ev (k) VALUES ($1) RETURNING id, k) INSERT INTO evd (ev_id, ev_k, note) SELECT id, k, 'x' FROM e`, [k]);
}

/** Every ev and evd row: [key, the partition it is in, what partition_for says]. */
async function placement(c: pg.Client): Promise<string[][]> {
  return (await rows<{ k: number; ev: string; evd: string; found: string }>(c, `
    SELECT e.k, e.tableoid::regclass::text AS ev, d.tableoid::regclass::text AS evd, parting.partition_for('ev', e.k)::text AS found
      FROM ev e JOIN evd d ON d.ev_id = e.id ORDER BY e.k`))
    .map((r) => [String(r.k), r.ev, r.evd, r.found]);
}

const Maint = suite<Ctx>('maintenance, detach and attach of integer partitions at the type\'s limits', {});
Maint.before(async (ctx) => {
  ctx.db = await logged('install', async () => {
    const db = await installed('int_limits_maint', maintConfig);
    const c = db.client;
    for (const k of ['2147478000', '2147480000', '2147481000']) await ensure(c, 'ev', k);
    for (const k of ['2147478500', '2147480500', '2147481500', '2147482500', '2147483647']) await evPair(c, k);
    for (const k of ['-2147483648', '-2147483000', '-2147482000']) await ensure(c, 'low', k);
    await c.query(`INSERT INTO low (k) VALUES (-2147483648), (-2147482999), (-2147481500)`);
    return db;
  });
});
Maint.after(async (ctx) => ctx.db?.drop());

Maint('the plan: premake up to the top partition (once), retire below max(k) - 2 partitions', async (ctx) => {
  const c = ctx.db!.client;
  // The plan counts from the key the run's drain leaves: the default partition's rows (up to
  // the type's largest value) go to their partitions, the drain making 2147482000 for its
  // rows, so the current partition is the top one and two partitions below it are retired.
  assert.equal(await rows(c, `SELECT step, arg FROM parting._due(parting._model('ev'))`), [
    { step: 'create', arg: '2147483000' },
    { step: 'drain', arg: '2147482000' },
    { step: 'retire', arg: '2147478000' },
    { step: 'retire', arg: '2147480000' },
  ]);
  // The rows waiting in the default partition include the type's largest value.
  assert.is(await count(c, 'ev_default'), 2);
});

Maint('run_maintenance makes the top partition with MAXVALUE, moves the default partition\'s rows into it, retires the oldest', async (ctx) => {
  const c = ctx.db!.client;
  const since = await lastHistoryId(c);
  await call(c, 'ev');
  assert.equal(lines(await historySince(c, since)).filter((l) => !l.startsWith('moved')), [
    'created ev ev_2147483000', 'created evd evd_2147483000',
    'created ev ev_2147482000', 'created evd evd_2147482000',
    'detached evd evd_2147478000', 'detached ev ev_2147478000',
    'detached evd evd_2147480000', 'detached ev ev_2147480000',
    'maintained ev',
  ]);
  assert.is(await boundOf(c, 'ev_2147483000'), 'FOR VALUES FROM (2147483000) TO (MAXVALUE)');
  assert.is(await boundOf(c, 'evd_2147483000'), 'FOR VALUES FROM (2147483000) TO (MAXVALUE)');
  assert.equal(await rows(c, `SELECT partition::text, lower, upper, state FROM parting.partitions('ev') WHERE NOT is_default ORDER BY state, lower::bigint`), [
    { partition: 'ev_2147481000', lower: '2147481000', upper: '2147482000', state: 'attached' },
    { partition: 'ev_2147482000', lower: '2147482000', upper: '2147483000', state: 'attached' },
    { partition: 'ev_2147483000', lower: '2147483000', upper: 'MAXVALUE', state: 'attached' },
    { partition: 'ev_2147478000', lower: '2147478000', upper: '2147479000', state: 'detached' },
    { partition: 'ev_2147480000', lower: '2147480000', upper: '2147481000', state: 'detached' },
  ]);
  assert.equal(await placement(c), [
    ['2147481500', 'ev_2147481000', 'evd_2147481000', 'ev_2147481000'],
    ['2147482500', 'ev_2147482000', 'evd_2147482000', 'ev_2147482000'],
    ['2147483647', 'ev_2147483000', 'evd_2147483000', 'ev_2147483000'],
  ]);
  assert.is(await count(c, 'ev_default'), 0);
  // One run is enough: max(k) is 2147483647, in the top partition, nothing is left to make
  // (premake ends at the top) or to retire.
  assert.equal(await rows(c, `SELECT step, arg FROM parting._due(parting._model('ev'))`), []);
  assert.equal(await ensure(c, 'ev'), []);
});

Maint('the top partition detaches and attaches again, taking in the rows that reached the default partition meanwhile', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(bare(await column<string>(c, `SELECT p::text FROM parting.detach_partition('ev', '2147483647') p`)),
    ['evd_2147483000', 'ev_2147483000']);
  assert.equal(await rows(c, `SELECT partition::text, upper, state FROM parting.partitions() WHERE key = '2147483000' ORDER BY 1`), [
    { partition: 'ev_2147483000', upper: 'MAXVALUE', state: 'detached' },
    { partition: 'evd_2147483000', upper: 'MAXVALUE', state: 'detached' },
  ]);
  await evPair(c, '2147483100');
  assert.is(await count(c, 'ev_default'), 1);
  // The default partition is searched up to the top (no upper bound) and finds that row,
  // but a detached partition stays detached: no step for it. (max(k) is 2147482500 again,
  // the top's rows being out of ev: nothing to retire either.)
  assert.equal(await rows(c, `SELECT step, arg FROM parting._due(parting._model('ev'))`), []);
  assert.equal(bare(await column<string>(c, `SELECT p::text FROM parting.attach_partition('ev', '2147483100') p`)),
    ['ev_2147483000', 'evd_2147483000']);
  assert.is(await boundOf(c, 'ev_2147483000'), 'FOR VALUES FROM (2147483000) TO (MAXVALUE)');
  assert.is(await count(c, 'ev_default'), 0);
  assert.is(await count(c, 'ev_2147483000'), 2);
  assert.equal((await placement(c)).filter((p) => p[0]! >= '2147483000'), [
    ['2147483100', 'ev_2147483000', 'evd_2147483000', 'ev_2147483000'],
    ['2147483647', 'ev_2147483000', 'evd_2147483000', 'ev_2147483000'],
  ]);
});

Maint('the top partition archives (attached to the archive table with MAXVALUE) and comes back', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`SELECT parting.detach_partition('ev', '2147483000', 'archive')`);
  assert.is(await boundOf(c, 'archive.ev_2147483000'), 'FOR VALUES FROM (2147483000) TO (MAXVALUE)');
  assert.equal(await column(c, `SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = 'archive.ev_2147483000'::regclass`), ['archive.ev']);
  assert.equal(bare(await column<string>(c, `SELECT p::text FROM parting.attach_partition('ev', '2147483000') p`)),
    ['ev_2147483000', 'evd_2147483000']);
  assert.is(await boundOf(c, 'ev_2147483000'), 'FOR VALUES FROM (2147483000) TO (MAXVALUE)');
  assert.equal(await routedAndFound(c, 'ev', 'integer', '2147483646'), ['ev_2147483000', 'ev_2147483000', 'ev_2147483000']);
});

Maint('the bottom partition (from the type\'s minimum) is retired by retention, archived, and attaches again', async (ctx) => {
  const c = ctx.db!.client;
  // max(k) = -2147481500; keep 1 partition: every partition ending at or below -2147482500 goes.
  assert.equal(await rows(c, `SELECT step, arg FROM parting._due(parting._model('low'))`), [{ step: 'retire', arg: 'm2147483648' }]);
  await call(c, 'low');
  assert.equal(await rows(c, `SELECT partition::text, lower, upper, state FROM parting.partitions('low') ORDER BY lower::bigint`), [
    { partition: 'archive.low_m2147483648', lower: '-2147483648', upper: '-2147483000', state: 'archived' },
    { partition: 'low_m2147483000', lower: '-2147483000', upper: '-2147482000', state: 'attached' },
    { partition: 'low_m2147482000', lower: '-2147482000', upper: '-2147481000', state: 'attached' },
  ]);
  assert.is(await boundOf(c, 'archive.low_m2147483648'), 'FOR VALUES FROM (-2147483648) TO (-2147483000)');
  assert.equal(bare(await column<string>(c, `SELECT p::text FROM parting.attach_partition('low', '-2147483648') p`)), ['low_m2147483648']);
  assert.equal(await routedAndFound(c, 'low', 'integer', '-2147483648'), ['low_m2147483648', 'low_m2147483648', 'low_m2147483648']);
  assert.is(await count(c, 'low_m2147483648'), 2);
});

Maint.run();

// ── the longest text list key ──────────────────────────────────────────────

const Long = suite<Ctx>('text list keys up to 1000 bytes: made, detached and attached; longer ones refused', {});
Long.before(async (ctx) => {
  ctx.db = await logged('install', () => installed('list_key_len', {
    models: { lk: { columns: { id: 'bigint generated always as identity', key: 'text not null' }, partition: { by: 'list', column: 'key' } } },
  }));
});
Long.after(async (ctx) => ctx.db?.drop());

Long('a 1000-byte key (ASCII, and 500 × é) gets a partition that detaches and attaches again', async (ctx) => {
  const c = ctx.db!.client;
  for (const key of ['k'.repeat(1000), 'é'.repeat(500)]) {
    const [made] = await ensure(c, 'lk', key);
    assert.ok(made, `a partition for the ${key.length}-character key`);
    const routed = await scalar<string>(c, `INSERT INTO lk (key) VALUES ($1) RETURNING tableoid::regclass::text`, [key]);
    assert.is(routed, made);
    assert.is(await scalar(c, `SELECT parting.partition_for('lk', $1::text)::text`, [key]), made);
    assert.equal(bare(await column<string>(c, `SELECT p::text FROM parting.detach_partition('lk', $1) p`, [key])), [made]);
    assert.equal(bare(await column<string>(c, `SELECT p::text FROM parting.attach_partition('lk', $1) p`, [key])), [made]);
    assert.is(await count(c, made!), 1);
  }
});

Long('a key over 1000 bytes is refused with an error naming the model and its length; nothing is made', async (ctx) => {
  const c = ctx.db!.client;
  const before = Number(await scalar(c, 'SELECT count(*) FROM parting.partitions()'));
  for (const [key, bytes] of [['k'.repeat(1001), 1001], ['é'.repeat(501), 1002], ['k'.repeat(1936), 1936]] as const) {
    for (const fn of ['ensure_partition', 'partition_for']) {
      const err = await pgError(c, `SELECT parting.${fn}('lk', $1::text)`, [key]);
      assert.is(err.code, '22023', err.message);
      assert.is(err.message, `key "${key.slice(0, 40)}…" for model "lk" is ${bytes} bytes long: list keys may have at most 1000 bytes`);
    }
  }
  assert.is(Number(await scalar(c, 'SELECT count(*) FROM parting.partitions()')), before);
});

Long.run();
