// Bad input to the runtime: each mistake gets a clear error and creates
// nothing; keys that are not identifiers (quotes, SQL, multibyte) become safe, reversible
// names; names past 63 bytes are shortened by pgpart, never truncated by PostgreSQL; and the
// SQL naming rule (parting._name) is the TypeScript one (pgName).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { byteLength, pgName } from '../../src/model/names.js';
import { serverVersionNum, type FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import {
  column, counts, ensure, listTweetStar, logged, monthlyTweetStar, partitionNames, pgError, rows, scalar, sqlLiteral,
  type PgError,
} from './helpers.js';

type Ctx = { db?: FreshDatabase };

/** Runs the failing call and checks it left the catalog, partitions and history as they were. */
async function failsCleanly(c: pg.Client, sql: string, params: unknown[] = []): Promise<PgError> {
  const before = await counts(c);
  const err = await pgError(c, sql, params);
  assert.equal(await counts(c), before, `${sql} ${JSON.stringify(params)} left something behind`);
  return err;
}

// ── mistakes ───────────────────────────────────────────────────────────────

const mixedConfig: ConfigInput = {
  ...monthlyTweetStar(),
  models: {
    ...monthlyTweetStar().models,
    tenant: {
      columns: { id: 'bigint', tenant: 'text not null' },
      partition: { by: 'list', column: 'tenant' },
    },
    il: {
      columns: { id: 'bigint', k: 'integer not null' },
      partition: { by: 'list', column: 'k' },
    },
    ir: {
      columns: { id: 'bigint', k: 'bigint not null' },
      partition: { by: 'range', column: 'k', interval: 1000, initial: false },
    },
  },
};

const Mistakes = suite<Ctx>('errors: clear errors, nothing created', {});

Mistakes.before(async (ctx) => {
  ctx.db = await logged('installing the mixed config', async () => {
    const db = await installed('errors', mixedConfig);
    // Something to leave alone: one family already made.
    await ensure(db.client, 'tweet', '2013-03');
    return db;
  });
});
Mistakes.after(async (ctx) => ctx.db?.drop());

Mistakes('an unknown model: its name and the list of models', async (ctx) => {
  const c = ctx.db!.client;
  for (const sql of [
    `SELECT parting.ensure_partition('twet', '2013-03')`,
    `SELECT parting.ensure_partition('twet')`,
    `SELECT parting.partition_for('twet', '2013-03-15')`,
    `SELECT * FROM parting.partitions('twet')`,
  ]) {
    const err = await failsCleanly(c, sql);
    assert.is(err.code, '22023', `${sql}: ${err.message}`);
    assert.match(err.message, 'unknown model "twet"');
    assert.is(err.detail, 'models: il, ir, star, tenant, tweet');
  }
});

Mistakes('a malformed key for a monthly model: 2013-13, baz', async (ctx) => {
  const c = ctx.db!.client;
  for (const key of ['2013-13', 'baz', '2013-02-30', '13-03', '2013-03-15 25:00']) {
    const err = await failsCleanly(c, `SELECT parting.ensure_partition('tweet', $1)`, [key]);
    assert.is(err.code, '22007', `${key}: ${err.message}`);
    assert.match(err.message, `malformed key "${key}" for model "tweet"`);
    assert.match(err.message, /expected a time such as/);
  }
  const err = await failsCleanly(c, `SELECT parting.partition_for('tweet', '2013-13')`);
  assert.is(err.code, '22007');
});

Mistakes('a key that is not an integer for an integer list or integer range model', async (ctx) => {
  const c = ctx.db!.client;
  for (const model of ['il', 'ir']) {
    for (const key of ['abc', '1.5', '12abc', '1e3', '0x10']) {
      const err = await failsCleanly(c, `SELECT parting.ensure_partition($1, $2)`, [model, key]);
      assert.is(err.code, '22023', `${model} ${key}: ${err.message}`);
      assert.is(err.message, `malformed key "${key}" for model "${model}": expected an integer`);
    }
  }
});

Mistakes('an empty key', async (ctx) => {
  for (const model of ['tweet', 'tenant', 'il']) {
    const err = await failsCleanly(ctx.db!.client, `SELECT parting.ensure_partition($1, '  ')`, [model]);
    assert.is(err.code, '22023');
    assert.match(err.message, 'the key is empty');
  }
});

Mistakes('ensure_partition on a dependent model names the root in its hint', async (ctx) => {
  const err = await failsCleanly(ctx.db!.client, `SELECT parting.ensure_partition('star', '2013-04')`);
  assert.is(err.code, '22023');
  assert.is(err.message, 'model "star" is partitioned in lockstep with "tweet"');
  assert.match(err.hint ?? '', `call parting.ensure_partition('tweet', ...)`);
  const none = await failsCleanly(ctx.db!.client, `SELECT parting.ensure_partition('star')`);
  assert.match(none.hint ?? '', `parting.ensure_partition('tweet'`);
});

Mistakes('a list model without a key', async (ctx) => {
  for (const model of ['tenant', 'il']) {
    const err = await failsCleanly(ctx.db!.client, `SELECT parting.ensure_partition($1)`, [model]);
    assert.is(err.code, '22023');
    assert.is(err.message, `model "${model}" is list-partitioned: name the key`);
    assert.match(err.hint ?? '', `parting.ensure_partition('${model}', `);
  }
});

/**
 * The hint of partition_for's "no partition" error must be a statement that creates the
 * missing partition: run it (rolled back) and check that the value then has a partition.
 */
async function hintCures(c: pg.Client, hint: string | undefined, model: string, value: string, expected: string): Promise<void> {
  const m = /^create it: (SELECT parting\.ensure_partition\(.*\))$/.exec(hint ?? '');
  assert.ok(m, `hint is not a call of ensure_partition: ${hint}`);
  await c.query('BEGIN');
  try {
    await c.query(m[1]!);
    assert.is(await scalar(c, `SELECT parting.partition_for($1, $2::text)::text`, [model, value]), expected, `after: ${m[1]}`);
  } finally {
    await c.query('ROLLBACK');
  }
}

Mistakes('partition_for a value no partition holds: a hint to call ensure_partition on the root', async (ctx) => {
  const c = ctx.db!.client;
  const err = await failsCleanly(c, `SELECT parting.partition_for('tweet', '2019-01-01')`);
  assert.is(err.code, '22023');
  assert.is(err.message, 'no partition of model "tweet" holds 2019-01-01');
  assert.match(err.hint ?? '', `create it: SELECT parting.ensure_partition('tweet', '2019-01-01`);
  await hintCures(c, err.hint, 'tweet', '2019-01-01', 'tweet_2019_01');

  const star = await failsCleanly(c, `SELECT parting.partition_for('star', timestamptz '2019-02-01 00:00+00')`);
  assert.is(star.code, '22023');
  assert.match(star.hint ?? '', `create it: SELECT parting.ensure_partition('tweet', `);
  await hintCures(c, star.hint, 'star', '2019-02-01', 'star_2019_02');

  const list = await failsCleanly(c, `SELECT parting.partition_for('tenant', 'nobody')`);
  assert.is(list.message, 'no partition of model "tenant" holds nobody');
  assert.is(list.hint, `create it: SELECT parting.ensure_partition('tenant', 'nobody')`);
  await hintCures(c, list.hint, 'tenant', 'nobody', 'tenant_nobody');

  const quoted = await failsCleanly(c, `SELECT parting.partition_for('tenant', $1::text)`, [`it's`]);
  await hintCures(c, quoted.hint, 'tenant', `it's`, pgName('tenant', `_x${Buffer.from(`it's`).toString('hex')}`));

  assert.is(await scalar(c, `SELECT parting.partition_for('tweet', '2013-03-01')::text`), 'tweet_2013_03');
  assert.equal(await column(c, `SELECT partition::text FROM parting.partitions() WHERE partition::text LIKE '%2019%' OR model = 'tenant'`), []);
});

Mistakes.run();

// ── hostile and awkward list keys ─────────────────────────────────────────

const INJECTIONS = [`x"; drop table tweet; --`, `a'b`, `'); drop table tweet; --`, `Robert'); DROP TABLE star;--`];
const hex = (key: string) => Buffer.from(key, 'utf8').toString('hex');

const Keys = suite<Ctx & { baz?: string }>('errors: keys that are not identifiers', {});

Keys.before(async (ctx) => {
  ctx.db = await logged('installing the list config', async () => {
    const db = await installed('errors_keys', listTweetStar());
    await ensure(db.client, 'tweet', 'baz');
    ctx.baz = await scalar<string>(db.client, `INSERT INTO tweet (key, body) VALUES ('baz', 'keep me') RETURNING id`);
    await db.client.query(`INSERT INTO star ("user", tweet_id, tweet_key) VALUES ('ann', $1, 'baz')`, [ctx.baz]);
    return db;
  });
});
Keys.after(async (ctx) => ctx.db?.drop());

Keys('SQL-injection attempts become _x<hex> partitions that hold exactly their key', async (ctx) => {
  const c = ctx.db!.client;
  for (const key of INJECTIONS) {
    const tweet = pgName('tweet', `_x${hex(key)}`);
    const star = pgName('star', `_x${hex(key)}`);
    assert.equal(await ensure(c, 'tweet', key), [tweet, star], key);
    assert.match(tweet, /^tweet__x[0-9a-f]+(_[0-9a-f]{8})?$/);
    assert.match(star, /^star__x[0-9a-f]+(_[0-9a-f]{8})?$/);
    assert.equal(await rows(c, `SELECT relname::text, pg_get_expr(relpartbound, oid) AS bound FROM pg_class WHERE relname IN ($1, $2) ORDER BY relname DESC`, [tweet, star]), [
      { relname: tweet, bound: `FOR VALUES IN (${sqlLiteral(key)})` },
      { relname: star, bound: `FOR VALUES IN (${sqlLiteral(key)})` },
    ]);
    assert.equal(await rows(c, `SELECT model, key, lower, parent_partition::text FROM parting.partitions() WHERE partition::text IN ($1, $2) ORDER BY model DESC`, [tweet, star]), [
      { model: 'tweet', key, lower: key, parent_partition: null },
      { model: 'star', key, lower: key, parent_partition: tweet },
    ]);
    // Rows with the key route to its partitions, and partition_for finds them.
    const id = await scalar<string>(c, `INSERT INTO tweet (key, body) VALUES ($1, 'x') RETURNING id`, [key]);
    assert.is(await scalar(c, `SELECT tableoid::regclass::text FROM tweet WHERE id = $1`, [id]), tweet);
    assert.is(await scalar(c, `INSERT INTO star ("user", tweet_id, tweet_key) VALUES ('bob', $1, $2) RETURNING tableoid::regclass::text`, [id, key]), star);
    assert.is(await scalar(c, `SELECT parting.partition_for('tweet', $1::text)::text`, [key]), tweet);
    assert.equal(await ensure(c, 'tweet', key), []);
  }
  // Nothing was dropped, and the earlier rows are still there.
  assert.equal(await column(c, `SELECT to_regclass(t)::text FROM unnest(ARRAY['tweet', 'star', 'tweet_baz', 'star_baz']) t`), ['tweet', 'star', 'tweet_baz', 'star_baz']);
  assert.is(await scalar(c, `SELECT body FROM tweet WHERE id = $1`, [ctx.baz]), 'keep me');
  assert.is(Number(await scalar(c, `SELECT count(*) FROM star WHERE tweet_id = $1`, [ctx.baz])), 1);
  assert.is(Number(await scalar(c, `SELECT count(*) FROM tweet`)), 1 + INJECTIONS.length);
});

Keys('a 200-byte key of ü: every name ≤ 63 bytes, unique, and as pgpart meant it', async (ctx) => {
  const c = ctx.db!.client;
  const key = 'ü'.repeat(100);
  assert.is(byteLength(key), 200);
  const made = await ensure(c, 'tweet', key);
  assert.equal(made, [pgName('tweet', `_x${hex(key)}`), pgName('star', `_x${hex(key)}`)]);
  const names: string[] = [];
  for (const model of ['tweet', 'star']) {
    for (const p of await partitionNames(c, model)) {
      assert.equal(p.actual, p.intended, `${p.partition}: catalog names differ from the intended ones`);
      if (made.includes(p.partition)) names.push(p.actual.table, ...p.actual.indexes, ...p.actual.constraints);
    }
  }
  const tooLong = names.filter((n) => byteLength(n) > 63);
  assert.equal(tooLong, [], 'names over 63 bytes');
  // Index and constraint names of one relation may coincide (a pkey is both); relations may not.
  const relnames = await column<string>(c, `
    SELECT r.relname::text FROM pg_class r WHERE r.oid IN (SELECT partition FROM parting.partitions() WHERE key = $1)
    UNION ALL SELECT i.relname::text FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
               WHERE x.indrelid IN (SELECT partition FROM parting.partitions() WHERE key = $1)`, [key]);
  assert.is(new Set(relnames).size, relnames.length, `duplicate names: ${relnames.join(', ')}`);
  assert.is(relnames.length, 2 + 2 + 3, relnames.join(', ')); // 2 tables; tweet pkey + id_uniq; star pkey + id_uniq + tweet_id_idx
  const constraints = await column<string>(c, `
    SELECT conname::text FROM pg_constraint WHERE conrelid IN (SELECT partition FROM parting.partitions() WHERE key = $1)`, [key]);
  assert.is(new Set(constraints).size, constraints.length);
  assert.ok(constraints.every((n) => byteLength(n) <= 63));
  assert.equal(await column(c, `SELECT key FROM parting.partitions() WHERE partition::text = ANY($1)`, [made]), [key, key]);
  // A different long key sharing the first 27 characters gets different names.
  const other = 'ü'.repeat(99) + 'u';
  const made2 = await ensure(c, 'tweet', other);
  assert.is(made2.length, 2);
  assert.ok(made2.every((n) => !made.includes(n)), `${made2} vs ${made}`);
});

Keys.run();

// ── long table names ───────────────────────────────────────────────────────

const TWEET = 'tweet_' + 'x'.repeat(54);
const STAR = 'star_' + 'y'.repeat(55);

const longConfig: ConfigInput = {
  models: {
    tweet: {
      table: TWEET,
      columns: { id: 'bigint generated always as identity', created_at: 'timestamptz not null' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'created_at', interval: '1 month', initial: false, default: true },
    },
    star: {
      table: STAR,
      columns: { id: 'bigint generated always as identity', user: 'text not null' },
      primaryKey: ['id'],
      partitionForeignKey: { column: 'tweet_id', references: 'tweet' },
    },
  },
};

const Long = suite<Ctx>('errors: 60-character table names', {});

Long.before(async (ctx) => {
  ctx.db = await logged('installing the long-name config', () => installed('errors_long', longConfig));
});
Long.after(async (ctx) => ctx.db?.drop());

Long('partition, index and FK names are hash-shortened by pgpart, none truncated by PostgreSQL', async (ctx) => {
  const c = ctx.db!.client;
  assert.is(TWEET.length, 60);
  const made = await ensure(c, 'tweet', '2013-03');
  assert.equal(made, [pgName(TWEET, '2013_03'), pgName(STAR, '2013_03')]);
  for (const name of made) assert.match(name, /_[0-9a-f]{8}_2013_03$/);
  let checked = 0;
  for (const model of ['tweet', 'star']) {
    const parts = await partitionNames(c, model);
    assert.is(parts.length, 2, `${model}: the default partition and March`);
    for (const p of parts) {
      assert.equal(p.actual, p.intended, `${p.partition}: catalog names differ from the intended ones`);
      for (const n of [p.intended.table, ...p.intended.indexes, ...p.intended.constraints]) {
        assert.ok(byteLength(n) <= 63, `${n} is ${byteLength(n)} bytes`);
        assert.match(n, /_[0-9a-f]{8}(_|$)/, `${n} was not hash-shortened`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 16, `only ${checked} names checked`);
  // The FKs point at the same-key partition of the parent, under the names computed in TS.
  const fks = await rows(c, `SELECT conrelid::regclass::text AS part, conname::text, confrelid::regclass::text AS target
                               FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY 1`);
  const starMarch = pgName(STAR, '2013_03');
  const starDefault = pgName(STAR, 'default');
  assert.equal(fks, [
    { part: starMarch, conname: pgName(starMarch, 'tweet_id_fkey'), target: pgName(TWEET, '2013_03') },
    { part: starDefault, conname: pgName(starDefault, 'tweet_id_fkey'), target: pgName(TWEET, 'default') },
  ].sort((a, b) => (a.part < b.part ? -1 : 1)));
  // The parents' own constraints are named by the compiler with the same rule, and on
  // PostgreSQL 18, which catalogs NOT NULL constraints, those are named by it too.
  const notNull = serverVersionNum() < 180000 ? [] : (await rows<{ rel: string; col: string }>(c, `
    SELECT attrelid::regclass::text AS rel, attname::text AS col FROM pg_attribute
     WHERE attrelid = ANY($1::regclass[]) AND attnum > 0 AND attnotnull`, [[TWEET, STAR]])).map((r) => pgName(r.rel, `${r.col}_not_null`));
  if (serverVersionNum() >= 180000) assert.ok(notNull.length >= 5, `NOT NULL columns: ${notNull.join(', ')}`);
  assert.equal(await column(c, `SELECT conname::text FROM pg_constraint WHERE conrelid = ANY($1::regclass[]) ORDER BY 1`, [[TWEET, STAR]]),
    [pgName(STAR, 'pkey'), pgName(TWEET, 'pkey'), ...notNull].sort());
  assert.is(await scalar(c, `SELECT parting.partition_for('star', '2013-03-09')::text`), starMarch);
});

// SQL's parting._name and TypeScript's pgName must agree byte for byte.
const NAME_CASES: [string, string][] = [
  ['tweet', '2013_03'],
  ['a'.repeat(58), 'abcd'], // exactly 63 bytes
  ['a'.repeat(59), 'abcd'], // 64 bytes
  ['a'.repeat(62), ''], // 63 bytes with an empty suffix
  ['a'.repeat(63), ''], // 64
  ['a'.repeat(60), '2013_03'],
  ['a'.repeat(63), 'pkey'],
  [TWEET, 'default'],
  ['ü'.repeat(30), 'x'], // 62 bytes
  ['ü'.repeat(31), 'x'], // 64 bytes
  ['a'.repeat(48) + 'ü'.repeat(6), 'pkey'], // the cut falls inside a ü
  ['€'.repeat(21), 'id'], // 3-byte characters
  ['𝄞'.repeat(16), 'k'], // 4-byte characters
  ['b'.repeat(30), 'c'.repeat(40)], // suffix of exactly 40 bytes: kept whole
  ['b'.repeat(30), 'c'.repeat(41)], // 41: the whole name is shortened
  ['t', 'ü'.repeat(40)],
  ['tweet', '_x' + hex('ü'.repeat(100))],
  ['tweet', '_x' + hex(`Robert'); DROP TABLE star;--`)],
  ['star_' + 'é'.repeat(29), '2013_03_15_1000'],
  ['x', 'y'.repeat(70)],
  ['Tweet "quoted"', '2013'],
];

Long('parting._name(base, suffix) = pgName(base, suffix)', async (ctx) => {
  const c = ctx.db!.client;
  for (const [base, suffix] of NAME_CASES) {
    const sql = await scalar<string>(c, `SELECT parting._name($1, $2)`, [base, suffix]);
    const ts = pgName(base, suffix);
    assert.is(sql, ts, `_name(${JSON.stringify(base)}, ${JSON.stringify(suffix)})`);
    assert.ok(byteLength(ts) <= 63, `${ts} is ${byteLength(ts)} bytes`);
    if (byteLength(`${base}_${suffix}`) <= 63) assert.is(ts, `${base}_${suffix}`);
  }
});

Long.run();
