// `pgpart maintain`: retention by DETACH PARTITION ... CONCURRENTLY from outside the
// database where the family has no default partition (no ACCESS EXCLUSIVE on a parent, with
// writers inserting meanwhile), the in-database path where it has one, and the recovery of a
// concurrent detach that was interrupted half way. A writer's transaction left open holds
// the detach in its second phase (it waits for every transaction using the parent), so the
// tests see it there and act while it waits, instead of racing it.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { runCli } from '../harness/cli.js';
import { withClients, type FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { column, logged, month, monthlyTweetStar, pidOf, rows, scalar } from './helpers.js';
import { until, untilWaiting } from './wait.js';

/** tweet/star by month, premake 1, keep 2 months, archived; with or without default partitions. */
function retained(withDefault: boolean): ConfigInput {
  const c = monthlyTweetStar({ premake: 1, initial: true, default: withDefault });
  const tweet = c.models.tweet!;
  if (tweet.partition?.by === 'range') tweet.partition.retention = { keep: '2 months', action: 'archive' };
  return c;
}

const key = (offset: number): string => month(offset).key;
const suffix = (offset: number): string => month(offset).suffix;

/** Old months with a tweet and its star each, ready to be retired. */
async function oldMonths(c: pg.Client, offsets: number[]): Promise<void> {
  for (const o of offsets) {
    await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [key(o)]);
    await c.query(`WITH t AS (INSERT INTO tweet (json, "user", created_at) VALUES ('{}', 'old', $1::timestamptz) RETURNING id, created_at)
                   INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'old', id, created_at FROM t`, [month(o).at(10)]);
  }
}

/** Relation locks on tweet, star and their partitions, whoever holds them. */
function lockSample(c: pg.Client): Promise<{ relname: string; mode: string }[]> {
  return rows<{ relname: string; mode: string }>(c, `
    SELECT c.relname::text AS relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
     WHERE l.locktype = 'relation' AND c.relnamespace = 'public'::regnamespace
       AND (c.relname IN ('tweet', 'star') OR c.relname LIKE 'tweet\\_%' OR c.relname LIKE 'star\\_%')`);
}

const Concurrent = suite<{ db?: FreshDatabase }>('pgpart maintain: DETACH CONCURRENTLY', {});
Concurrent.before((ctx) => logged('setup', async () => {
  ctx.db = await installed('maintain_cli', retained(false));
  await oldMonths(ctx.db.client, [-5, -4]);
}));
Concurrent.after(async (ctx) => { await ctx.db?.drop(); });

Concurrent('retires without ACCESS EXCLUSIVE on a parent while writers insert; archived rows stay queryable', async (ctx) => {
  const db = ctx.db!;
  const samples: { relname: string; mode: string }[] = [];
  let written = 0;
  let failed = 0;
  let done = false;
  const url = new URL(db.url);
  url.searchParams.set('application_name', 'pgpart-maintain');
  const res = await withClients(db.url, 5, async ([w1, w2, gate, sampler, observer]) => {
    const insertPair = async (c: pg.Client): Promise<void> => {
      // The key as text: a JS Date would drop now()'s microseconds, and the partition foreign
      // key (over the key too) refuses a star whose key is not its tweet's.
      const t = await c.query<{ id: string; created_at: string }>(
        `INSERT INTO tweet (json, "user") VALUES ('{}', 'w') RETURNING id, created_at::text AS created_at`);
      await c.query(`INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('w', $1, $2)`,
        [t.rows[0]!.id, t.rows[0]!.created_at]);
    };
    const write = async (c: pg.Client): Promise<void> => {
      while (!done) {
        try {
          await c.query('BEGIN');
          await insertPair(c);
          await c.query('COMMIT');
          written++;
        } catch {
          failed++;
          await c.query('ROLLBACK').catch(() => {});
        }
      }
    };
    const sample = async (): Promise<void> => {
      while (!done) samples.push(...await lockSample(sampler!));
    };
    // A writer's transaction left open: DETACH ... CONCURRENTLY, having marked the partition,
    // waits for every transaction that uses the parent to end, and so waits for this one,
    // without a lock of its own; the other writers write meanwhile.
    await gate!.query('BEGIN');
    await insertPair(gate!);
    const loops = [write(w1!), write(w2!), sample()];
    try {
      const run = runCli(['maintain', '--database-url', url.toString()]);
      const gatePid = await pidOf(gate!);
      const detaching = await until('DETACH ... CONCURRENTLY waits for the open writer', async () =>
        (await rows<{ pid: number; query: string }>(observer!, `
          SELECT pid, query FROM pg_stat_activity WHERE application_name = 'pgpart-maintain' AND $1 = ANY (pg_blocking_pids(pid))`,
        [gatePid]))[0], { unless: run });
      assert.match(detaching.query, /^ALTER TABLE public\.star DETACH PARTITION public\.star_\d{4}_\d{2} CONCURRENTLY$/);
      const held = await lockSample(observer!);
      samples.push(...held);
      assert.ok(held.some((s) => s.relname === 'tweet' && s.mode === 'RowExclusiveLock'), 'the sampler sees the writers (it works)');
      const before = written;
      await until('the writers commit while the detach waits', () => written >= before + 2);
      await gate!.query('COMMIT');
      return await run;
    } finally {
      done = true;
      await gate!.query('ROLLBACK').catch(() => {});
      await Promise.all(loops);
    }
  });
  assert.is(res.code, 0, res.stderr);
  assert.match(res.stdout, new RegExp(`detached +star +star_${suffix(-5)}[\\s\\S]*detached +tweet +tweet_${suffix(-5)}`), 'dependents first');
  assert.is(failed, 0, 'no writer transaction failed');
  assert.equal(samples.filter((s) => (s.relname === 'tweet' || s.relname === 'star') && s.mode === 'AccessExclusiveLock'), []);
  const history = await rows<{ model: string; partition: string; action: string; concurrently: boolean | null }>(db.client, `
    SELECT model, partition, action, (detail->>'concurrently')::boolean AS concurrently FROM parting.history
     WHERE action IN ('detached', 'archived') ORDER BY id`);
  assert.equal(history, [-5, -4].flatMap((o) => [
    { model: 'star', partition: `star_${suffix(o)}`, action: 'detached', concurrently: true },
    { model: 'tweet', partition: `tweet_${suffix(o)}`, action: 'detached', concurrently: true },
    { model: 'tweet', partition: `tweet_${suffix(o)}`, action: 'archived', concurrently: null },
    { model: 'star', partition: `star_${suffix(o)}`, action: 'archived', concurrently: null },
  ]));
  assert.is(Number(await scalar(db.client, `SELECT count(*) FROM archive.tweet t JOIN archive.star s ON s.tweet_id = t.id`)), 2);
  assert.equal(await column(db.client, `SELECT partition::text FROM parting.partitions('tweet') WHERE state = 'archived'`),
    [`archive.tweet_${suffix(-5)}`, `archive.tweet_${suffix(-4)}`]);
  // Running it again has nothing to retire.
  const again = await runCli(['maintain', '--database-url', db.url]);
  assert.is(again.code, 0, again.stderr);
  assert.not.match(again.stdout, /detached|archived/);
});

Concurrent('a concurrent detach interrupted half way is finished by the next run', async (ctx) => {
  const db = ctx.db!;
  await oldMonths(db.client, [-6]);
  await withClients(db.url, 3, async ([reader, m, observer]) => {
    // An open transaction that read star makes DETACH ... CONCURRENTLY wait in its second
    // transaction; a cancel then interrupts it there, leaving star_X "detach pending".
    await reader!.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await reader!.query('SELECT count(*) FROM star');
    const statements = await column<string>(m!, `SELECT parting._detach_concurrently('tweet', $1)`, [suffix(-6)]);
    assert.equal(statements, [
      `ALTER TABLE public.star DETACH PARTITION public.star_${suffix(-6)} CONCURRENTLY`,
      `ALTER TABLE public.tweet DETACH PARTITION public.tweet_${suffix(-6)} CONCURRENTLY`,
    ]);
    const mPid = await pidOf(m!);
    const detach = m!.query(statements[0]!).then(() => null, (e: Error) => e);
    await untilWaiting(observer!, mPid, await pidOf(reader!), { unless: detach });
    assert.ok(await scalar(observer!, 'SELECT pg_cancel_backend($1)', [mPid]));
    assert.match(String((await detach)?.message), /canceling statement due to user request/);
    await reader!.query('COMMIT');
  });
  assert.equal(await column(db.client, `SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = $1::regclass`, [`star_${suffix(-6)}`]), [true]);
  assert.equal(await column(db.client, `SELECT state FROM parting.offline WHERE suffix = $1 ORDER BY model`, [suffix(-6)]), ['detaching', 'detaching']);

  const res = await runCli(['maintain', '--database-url', db.url]);
  assert.is(res.code, 0, res.stderr);
  assert.equal(await column(db.client, `SELECT model || ':' || state FROM parting.offline WHERE suffix = $1 ORDER BY model`, [suffix(-6)]),
    ['star:archived', 'tweet:archived']);
  assert.is(Number(await scalar(db.client, `SELECT count(*) FROM pg_inherits WHERE inhdetachpending`)), 0);
  assert.is(Number(await scalar(db.client, `SELECT count(*) FROM archive.star WHERE tweet_created_at < $1::timestamptz`, [month(-5).lower])), 1);
});

Concurrent('bad input: an unknown model is a database error (exit 2) naming it, and nothing changes', async (ctx) => {
  const before = await column(ctx.db!.client, `SELECT count(*) FROM parting.history`);
  const res = await runCli(['maintain', '--database-url', ctx.db!.url, '--model', 'nope']);
  assert.is(res.code, 2);
  assert.match(res.stderr, /unknown model "nope"/);
  assert.equal(await column(ctx.db!.client, `SELECT count(*) FROM parting.history`), before);
});

const InDatabase = suite<{ db?: FreshDatabase }>('pgpart maintain: families with a default partition', {});
InDatabase.before((ctx) => logged('setup', async () => {
  ctx.db = await installed('maintain_cli_default', retained(true));
  await oldMonths(ctx.db.client, [-4]);
}));
InDatabase.after(async (ctx) => { await ctx.db?.drop(); });

InDatabase('take the in-database path: a plain DETACH under lock_timeout, then archive', async (ctx) => {
  const res = await runCli(['maintain', '--database-url', ctx.db!.url]);
  assert.is(res.code, 0, res.stderr);
  const history = await rows(ctx.db!.client, `
    SELECT partition, action, detail ? 'concurrently' AS concurrently FROM parting.history
     WHERE action IN ('detached', 'archived') ORDER BY id`);
  assert.equal(history, [
    { partition: `star_${suffix(-4)}`, action: 'detached', concurrently: false },
    { partition: `tweet_${suffix(-4)}`, action: 'detached', concurrently: false },
    { partition: `tweet_${suffix(-4)}`, action: 'archived', concurrently: false },
    { partition: `star_${suffix(-4)}`, action: 'archived', concurrently: false },
  ]);
});

Concurrent.run();
InDatabase.run();
