// Identity, serial and generated columns work whether rows are
// written through the parent or straight into a partition. On PostgreSQL 15 a partition's
// identity column takes its values from the parent's sequence (no sequence of its own), so
// ids never collide between the two paths.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { installed } from '../harness/install.js';
import type { FreshDatabase } from '../harness/db.js';

const config: ConfigInput = {
  schema: 'public',
  models: {
    tweet: {
      columns: {
        id: 'bigint generated always as identity',
        created_at: 'timestamptz not null',
        n: 'integer not null',
        twice: 'integer generated always as (n * 2) stored',
        seq: 'bigserial',
      },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'created_at', interval: '1 month', initial: false },
    },
    star: {
      columns: {
        id: 'bigint generated always as identity',
        who: 'text not null',
        shout: 'text generated always as (upper(who)) stored',
      },
      primaryKey: ['id'],
      partitionForeignKey: { column: 'tweet_id', references: 'tweet' },
    },
  },
};

const Identity = suite<{ db?: FreshDatabase; version?: number }>('identity and generated columns', {});

Identity.before(async (ctx) => {
  try {
    ctx.db = await installed('identity', config);
    const c = ctx.db.client;
    await c.query(`SET TimeZone = 'UTC'`);
    ctx.version = Number((await c.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]!.v);
    await c.query(`SELECT parting.ensure_partition('tweet', '2013-03')`);
    await c.query(`SELECT parting.ensure_partition('tweet', '2013-04')`);
  } catch (err) {
    console.error(err); // uvu swallows errors thrown by before() hooks
    throw err;
  }
});

Identity.after(async (ctx) => {
  await ctx.db?.drop();
});

/** Inserts tweets alternately through the parent and straight into the month's partition. */
async function insertBothWays(c: pg.Client, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    await c.query(`INSERT INTO tweet (created_at, n) VALUES ($1, $2)`, [`2013-03-${day} 12:00+00`, i]);
    await c.query(`INSERT INTO tweet_2013_03 (created_at, n) VALUES ($1, $2)`, [`2013-03-${day} 13:00+00`, 1000 + i]);
    await c.query(`INSERT INTO tweet_2013_04 (created_at, n) VALUES ($1, $2)`, [`2013-04-${day} 13:00+00`, 2000 + i]);
    await c.query(`INSERT INTO tweet (created_at, n) VALUES ($1, $2)`, [`2013-04-${day} 12:00+00`, 3000 + i]);
  }
}

Identity('rows through the parent and straight into partitions get distinct ids from one sequence', async (ctx) => {
  const c = ctx.db!.client;
  await insertBothWays(c, 10);
  const { rows } = await c.query<{ n: string; ids: string; seqs: string; parts: string }>(`
    SELECT count(*) AS n, count(DISTINCT id) AS ids, count(DISTINCT seq) AS seqs,
           count(DISTINCT tableoid) AS parts FROM tweet`);
  assert.equal(rows[0], { n: '40', ids: '40', seqs: '40', parts: '2' });
  // One sequence hands out every id, so ids are 1..40 with no reuse.
  const range = await c.query<{ lo: string; hi: string }>(`SELECT min(id) AS lo, max(id) AS hi FROM tweet`);
  assert.equal(range.rows[0], { lo: '1', hi: '40' });
  const last = await c.query<{ v: string }>(`SELECT last_value::text AS v FROM tweet_id_seq`);
  assert.is(last.rows[0]!.v, '40');
});

Identity('a star written straight into its partition gets an id from the star sequence too', async (ctx) => {
  const c = ctx.db!.client;
  const tweets = await c.query<{ id: string; created_at: Date }>(
    `SELECT id, created_at FROM tweet_2013_03 ORDER BY id LIMIT 6`);
  for (const [i, t] of tweets.rows.entries()) {
    const table = i % 2 ? 'star' : 'star_2013_03';
    await c.query(`INSERT INTO ${table} (who, tweet_id, tweet_created_at) VALUES ($1, $2, $3)`, [`user${i}`, t.id, t.created_at]);
  }
  const { rows } = await c.query<{ n: string; ids: string; lo: string; hi: string; bad_shout: string }>(`
    SELECT count(*) AS n, count(DISTINCT id) AS ids, min(id) AS lo, max(id) AS hi,
           count(*) FILTER (WHERE shout IS DISTINCT FROM upper(who)) AS bad_shout FROM star`);
  assert.equal(rows[0], { n: '6', ids: '6', lo: '1', hi: '6', bad_shout: '0' });
});

Identity('the partitions default to the parent sequences and own no sequence (PostgreSQL 15 path)', async (ctx) => {
  const c = ctx.db!.client;
  if (ctx.version! >= 170000) return; // 17+ links the partition to the parent's identity itself
  const { rows } = await c.query<{ part: string; col: string; def: string; seq: string; depends: boolean; identity: string }>(`
    SELECT a.attrelid::regclass::text AS part, a.attname AS col,
           pg_get_expr(d.adbin, d.adrelid) AS def,
           pg_get_serial_sequence(p.inhparent::regclass::text, a.attname) AS seq,
           EXISTS (SELECT FROM pg_depend x
                    WHERE x.classid = 'pg_attrdef'::regclass AND x.objid = d.oid
                      AND x.refclassid = 'pg_class'::regclass
                      AND x.refobjid = pg_get_serial_sequence(p.inhparent::regclass::text, a.attname)::regclass) AS depends,
           a.attidentity::text AS identity
      FROM pg_inherits p
      JOIN pg_attribute a ON a.attrelid = p.inhrelid
      JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE p.inhparent IN ('tweet'::regclass, 'star'::regclass) AND a.attname IN ('id', 'seq')
     ORDER BY 1, 2`);
  assert.equal(rows.map((r) => [r.part, r.col, r.def, r.seq, r.depends, r.identity]), [
    ['star_2013_03', 'id', `nextval('star_id_seq'::regclass)`, 'public.star_id_seq', true, ''],
    ['star_2013_04', 'id', `nextval('star_id_seq'::regclass)`, 'public.star_id_seq', true, ''],
    ['tweet_2013_03', 'id', `nextval('tweet_id_seq'::regclass)`, 'public.tweet_id_seq', true, ''],
    ['tweet_2013_03', 'seq', `nextval('tweet_seq_seq'::regclass)`, 'public.tweet_seq_seq', true, ''],
    ['tweet_2013_04', 'id', `nextval('tweet_id_seq'::regclass)`, 'public.tweet_id_seq', true, ''],
    ['tweet_2013_04', 'seq', `nextval('tweet_seq_seq'::regclass)`, 'public.tweet_seq_seq', true, ''],
  ]);
  // No sequence is owned by (auto/internal dependency on) any partition, and there are
  // exactly the parents' three sequences in the schema.
  const owned = await c.query<{ seq: string; owner: string }>(`
    SELECT s.oid::regclass::text AS seq, d.refobjid::regclass::text AS owner
      FROM pg_class s JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
                                      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
     WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace ORDER BY 1`);
  assert.equal(owned.rows, [
    { seq: 'star_id_seq', owner: 'star' },
    { seq: 'tweet_id_seq', owner: 'tweet' },
    { seq: 'tweet_seq_seq', owner: 'tweet' },
  ]);
  const partSeq = await c.query<{ s: string | null }>(`SELECT pg_get_serial_sequence('tweet_2013_03', 'id') AS s`);
  assert.is(partSeq.rows[0]!.s, null);
});

Identity('a stored generated column is computed for rows written either way', async (ctx) => {
  const c = ctx.db!.client;
  const { rows } = await c.query<{ part: string; n: string; wrong: string }>(`
    SELECT tableoid::regclass::text AS part, count(*) AS n,
           count(*) FILTER (WHERE twice IS DISTINCT FROM n * 2) AS wrong
      FROM tweet GROUP BY 1 ORDER BY 1`);
  assert.equal(rows, [{ part: 'tweet_2013_03', n: '20', wrong: '0' }, { part: 'tweet_2013_04', n: '20', wrong: '0' }]);
  // Updates recompute it too, through the parent and through the partition.
  await c.query(`UPDATE tweet SET n = n + 1 WHERE n < 1000`);
  await c.query(`UPDATE tweet_2013_04 SET n = n + 1 WHERE n >= 2000`);
  const after = await c.query<{ wrong: string }>(`SELECT count(*) FILTER (WHERE twice IS DISTINCT FROM n * 2) AS wrong FROM tweet`);
  assert.is(after.rows[0]!.wrong, '0');
  // And it cannot be written directly, in the partition either.
  const err = await c.query(`INSERT INTO tweet_2013_03 (created_at, n, twice) VALUES ('2013-03-05+00', 1, 7)`).then(
    () => null, (e: Error & { code?: string }) => e);
  assert.ok(err, 'writing a generated column into a partition must fail');
  assert.is(err.code, '428C9', err.message);
});

Identity('GENERATED ALWAYS is still enforced through the parent', async (ctx) => {
  const c = ctx.db!.client;
  const err = await c.query(`INSERT INTO tweet (id, created_at, n) VALUES (999, '2013-03-05+00', 1)`).then(
    () => null, (e: Error & { code?: string }) => e);
  assert.ok(err);
  assert.is(err.code, '428C9', err.message);
});

Identity('a partition made later continues the same sequences', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`SELECT parting.ensure_partition('tweet', '2013-05')`);
  const { rows } = await c.query<{ id: string; seq: string }>(
    `INSERT INTO tweet_2013_05 (created_at, n) VALUES ('2013-05-02+00', 5) RETURNING id, seq`);
  assert.equal(rows[0], { id: '41', seq: '41' });
  const via = await c.query<{ id: string; seq: string }>(
    `INSERT INTO tweet (created_at, n) VALUES ('2013-05-03+00', 6) RETURNING id, seq`);
  assert.equal(via.rows[0], { id: '42', seq: '42' });
});

Identity.run();
