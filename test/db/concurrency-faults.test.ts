// A maintenance backend terminated in the middle of a step leaves nothing half done:
// killed during a catch-up, between a family's tweet and star partitions, the family is
// rolled back whole (no half family, no stray table, no gap) and the next run fills every
// month; killed during a batched drain, the batches already committed stay moved into the
// unattached 'filling' table, no row is lost or doubled, and the next run finishes the
// drain, attaches the partition and empties the default partition.
//
// To catch a step in the middle deterministically, it is made to wait on a lock another
// connection holds, under a lock timeout (300 s) no wait here comes near, and terminated
// while it waits.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { installed } from '../harness/install.js';
import { newClient, withClients } from '../harness/db.js';
import { column, logged, month, months, monthlyTweetStar, pidOf, rows, scalar } from './helpers.js';
import { assertConsistent, assertContiguous, checkRows, count, everyRow, family, newRecorder } from './maintenance-helpers.js';
import { blockers, until } from './wait.js';

const Faults = suite('maintenance under concurrency: the maintenance backend terminated mid-step');

/**
 * Starts run_maintenance on a new connection, waits until `ready` holds and the backend waits
 * for a lock `blocker` holds (under a lock timeout no wait here comes near, so it stays
 * there), then terminates it.
 */
async function terminateMidRun(url: string, observer: pg.Client, blocker: number, ready: () => Promise<boolean>): Promise<{ error: { code?: string; message: string } | undefined; pid: number }> {
  const m = newClient(url);
  await m.connect();
  const pid = await pidOf(m);
  let error: { code?: string; message: string } | undefined;
  const call = m.query(`CALL parting.run_maintenance('tweet')`).then(() => undefined, (e: { code?: string; message: string }) => { error = e; });
  await until('maintenance got some steps done, then waits for the blocker', async () =>
    (await ready()) && (await blockers(observer, pid)).includes(blocker), { unless: call });
  assert.is(await scalar(observer, `SELECT pg_terminate_backend($1)`, [pid]), true);
  await call;
  await m.end().catch(() => {});
  // The backend is gone (its transaction rolled back) before anyone looks.
  await until(`backend ${pid} is gone`, async () =>
    Number(await scalar(observer, `SELECT count(*) FROM pg_stat_activity WHERE pid = $1`, [pid])) === 0);
  return { error, pid };
}

Faults('maintenance terminated during a catch-up: no half family, no stray table; the next run fills every month', async () => {
  const db = await logged('setup', () => installed('mc_kill_catchup', monthlyTweetStar({ default: false })));
  try {
    const c = db.client;
    const start = month(-24);
    const blockAt = month(-20);
    await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [start.key]);
    await c.query(`UPDATE parting.settings SET lock_timeout = '300s'`);
    await withClients(db.url, 2, async ([observer, blocker]) => {
      // An uncommitted table named like the star partition of month -20: the run makes
      // tweet_<-20> and then waits creating star_<-20>, in the middle of the family.
      await blocker!.query('BEGIN');
      await blocker!.query(`CREATE TABLE public.star_${blockAt.suffix} (x int)`);
      const { error } = await terminateMidRun(db.url, observer!, await pidOf(blocker!), async () =>
        Number(await scalar(observer!, `SELECT count(*) FROM parting.history WHERE action = 'created'`)) >= 6);
      await blocker!.query('ROLLBACK');

      const created = Number(await scalar(c, `SELECT count(*) FROM parting.history WHERE action = 'created'`));
      const f = await family(c);
      console.log(`  killed in a catch-up: terminated after ${created / 2} families (error ${error?.code ?? '-'}: ${error?.message}); `
        + `${f.attachedTweets.length} tweet partitions attached, ${f.tables.length} tweet_/star_ tables`);
      assert.ok(error, 'the terminated call errors');
      assert.ok(error!.code === '57P01' || /terminat/i.test(error!.message), error!.message);
      assertConsistent(f, 'after the kill');
      // The current month and premake first, then the missed months from the oldest up:
      // -24 .. -21 contiguous (the family of -20 was rolled back), then 0 .. +2.
      assert.equal(f.attachedTweets.map((t) => t.partition),
        [...months(-24, -21), ...months(0, 2)].map((m) => `tweet_${m.suffix}`));
      assert.is(f.tables.length, 14);
      assert.is(await count(c, 'parting.offline'), 0);
      assert.equal(await column(c, `SELECT to_regclass($1)::text`, [`tweet_${blockAt.suffix}`]), [null]);

      await observer!.query(`CALL parting.run_maintenance('tweet')`);
      const g = await family(c);
      assertConsistent(g, 'after the next run');
      assertContiguous(g, 'after the next run');
      assert.is(g.attachedTweets.length, 27, 'months -24 .. +2');
      assert.is(g.attachedTweets[0]!.partition, `tweet_${start.suffix}`);
      assert.is(g.attachedTweets[26]!.partition, `tweet_${month(2).suffix}`);
      assert.is(await count(c, 'parting.offline'), 0);
      assert.equal(await column(c, `SELECT count(*)::int FROM parting.history WHERE action IN ('failed', 'skipped')`), [0]);
    });
  } finally {
    await db.drop();
  }
});

Faults('maintenance terminated during a batched drain: no row lost or doubled; the next run attaches and empties the default', async () => {
  const db = await logged('setup', () => installed('mc_kill_drain', monthlyTweetStar({ default: true })));
  try {
    const c = db.client;
    const plus4 = month(4);
    const s4 = plus4.suffix;
    // current .. +3: the run's only step is +4, whose rows wait in the default partition.
    // (Were +3 planned too, its ATTACH would want ACCESS EXCLUSIVE on tweet_default, which
    // the blocker's row lock below holds off: that step would wait for it, not +4's drain.)
    await c.query(`SELECT parting.ensure_partition('tweet')`);
    await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [month(3).key]);
    await c.query(`
      WITH t AS (INSERT INTO tweet (json, "user", created_at)
                 SELECT '{}', 'bulk', $1::timestamptz + make_interval(secs => g) FROM generate_series(1, 2000) g
                 RETURNING id, created_at)
      INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'bulk', id, created_at FROM t`, [plus4.lower]);
    const rec = newRecorder();
    for (const r of await rows<{ id: string; created_at: Date }>(c, `SELECT id::text, created_at FROM tweet`)) rec.tweets.set(r.id, r.created_at.toISOString());
    for (const r of await rows<{ id: string; tweet_id: string; tweet_created_at: Date }>(c, `SELECT id::text, tweet_id::text, tweet_created_at FROM star`)) {
      rec.stars.set(r.id, `${r.tweet_id}|${r.tweet_created_at.toISOString()}`);
    }
    await c.query(`UPDATE parting.config SET premake = 4 WHERE model = 'tweet'`);
    await c.query(`UPDATE parting.settings SET drain_batch = 50, lock_timeout = '300s'`);

    await withClients(db.url, 2, async ([observer, blocker]) => {
      // A row lock on the 601st row: the 13th batch waits for it.
      await blocker!.query('BEGIN');
      // (Not `ORDER BY … OFFSET 600 LIMIT 1 FOR UPDATE`: that locks the 600 rows skipped too.)
      const locked = await rows(blocker!, `
        SELECT id FROM tweet_default
         WHERE id = (SELECT id FROM tweet_default ORDER BY created_at OFFSET 600 LIMIT 1) FOR UPDATE`);
      assert.is(locked.length, 1);
      const { error } = await terminateMidRun(db.url, observer!, await pidOf(blocker!), async () =>
        Number(await scalar(observer!, `SELECT count(*) FROM parting.history WHERE action = 'moved'`)) >= 3);
      await blocker!.query('ROLLBACK');

      const moved = await rows<{ tweet: number; star: number }>(c, `
        SELECT (detail->'rows'->>'tweet')::int AS tweet, (detail->'rows'->>'star')::int AS star
          FROM parting.history WHERE action = 'moved' ORDER BY id`);
      const offline = await rows(c, `SELECT model, table_name, state FROM parting.offline ORDER BY model DESC`);
      const found = await everyRow(c);
      const f = await family(c);
      const inDefault = found.tweets.filter((t) => t.rel === 'tweet_default').length;
      console.log(`  killed in a drain: terminated after ${moved.length} batches (${moved.reduce((n, m) => n + m.tweet, 0)} tweets, `
        + `${moved.reduce((n, m) => n + m.star, 0)} stars moved; error ${error?.code ?? '-'}: ${error?.message}); `
        + `${inDefault} tweets still in tweet_default, ${found.tweets.length - inDefault} in tweet_${s4} (filling)`);
      assert.ok(error, 'the terminated call errors');
      assert.ok(error!.code === '57P01' || /terminat/i.test(error!.message), error!.message);
      assert.is(moved.length, 12, 'twelve batches of 50 committed before the 13th waited');
      assert.equal(moved.map((m) => [m.tweet, m.star]), Array.from({ length: 12 }, () => [50, 50]));
      assert.equal(offline, [
        { model: 'tweet', table_name: `tweet_${s4}`, state: 'filling' },
        { model: 'star', table_name: `star_${s4}`, state: 'filling' },
      ]);
      checkRows(found, rec, () => true);
      assert.is(inDefault, 2000 - 600);
      assertConsistent(f, 'after the kill');
      assertContiguous(f, 'after the kill');

      await observer!.query(`CALL parting.run_maintenance('tweet')`);
      const after = await everyRow(c);
      checkRows(after, rec, () => true);
      assert.equal([...new Set(after.tweets.map((t) => t.rel))], [`tweet_${s4}`]);
      assert.equal([...new Set(after.stars.map((t) => t.rel))], [`star_${s4}`]);
      const g = await family(c);
      assertConsistent(g, 'after the next run');
      assertContiguous(g, 'after the next run');
      assert.equal(g.attachedTweets.map((t) => t.partition),
        months(0, 4).map((m) => `tweet_${m.suffix}`));
      assert.is(await count(c, 'tweet_default'), 0);
      assert.is(await count(c, 'star_default'), 0);
      assert.is(await count(c, 'parting.offline'), 0);
      assert.equal(await column(c, `SELECT count(*)::int FROM parting.history WHERE action IN ('failed', 'skipped')`), [0]);
    });
  } finally {
    await db.drop();
  }
});

Faults.run();
