// Rows that land in the default partition because their month has no partition yet are
// moved into that month's partition when it is made, star rows with their tweets, each id
// unchanged and every row moved exactly once: a few rows move in the transaction that
// attaches the new partition; many rows move in batches of drain_batch into the still
// unattached table, and only the last batch attaches it. attach_partition likewise moves
// in the rows that reached the default partition while a month was detached.
//
// now() is real, so every key is a month counted from the current UTC month (month(k)).

import * as assert from 'uvu/assert';
import { column, month, months, monthlyTweetStar } from './helpers.js';
import {
  attach, call, count, createdLines, dbSuite, detach, fkTargets, historySince, insertPairs, joinedStars, lastHistoryId,
  lines, partitionsOf,
} from './maintenance-helpers.js';

const Drain = dbSuite('run_maintenance: rows in the default partition move into their new partition', 'maint_drain',
  monthlyTweetStar({ premake: 2, initial: false, default: true }));

Drain('a few rows beyond premake move when premake reaches them, in the transaction that attaches', async (ctx) => {
  const c = ctx.db!.client;
  const m4 = month(4);
  await insertPairs(c, m4, 3);
  assert.equal(await column(c, `SELECT DISTINCT tableoid::regclass::text FROM tweet`), ['tweet_default']);
  assert.equal(await column(c, `SELECT DISTINCT tableoid::regclass::text FROM star`), ['star_default']);
  const ids = await column<string>(c, `SELECT id FROM tweet ORDER BY id`);

  await c.query(`UPDATE parting.config SET premake = 5 WHERE model = 'tweet'`);
  const since = await lastHistoryId(c);
  await call(c);

  const ms = months(0, 5);
  assert.equal(await partitionsOf(c, 'tweet'), ms.map((m) => `tweet_${m.suffix}`));
  assert.equal(await partitionsOf(c, 'star'), ms.map((m) => `star_${m.suffix}`));
  assert.equal(await column(c, `SELECT DISTINCT tableoid::regclass::text FROM tweet`), [`tweet_${m4.suffix}`]);
  assert.equal(await column(c, `SELECT DISTINCT tableoid::regclass::text FROM star`), [`star_${m4.suffix}`]);
  assert.is(await count(c, 'tweet_default'), 0);
  assert.is(await count(c, 'star_default'), 0);
  assert.equal(await column<string>(c, `SELECT id FROM tweet ORDER BY id`), ids);
  assert.is(await count(c, 'star'), 3);
  assert.is(await joinedStars(c), 3);

  const h = await historySince(c, since);
  assert.equal(lines(h), [
    ...createdLines(months(0, 3)), `moved tweet tweet_${m4.suffix}`, ...createdLines([m4, month(5)]), 'maintained tweet',
  ]);
  assert.equal(h.find((r) => r.action === 'moved')!.detail, { rows: { tweet: 3, star: 3 }, from: 'default', attached: true });
  assert.equal(h.at(-1)!.detail, { 'create:done': 6 });
});

Drain('1000 rows with drain_batch 100: nine unattached batches, then the last one attaches; every row moved once', async (ctx) => {
  const c = ctx.db!.client;
  const m6 = month(6);
  await insertPairs(c, m6, 1000, 'many');
  const tweetIds = await column<string>(c, `SELECT id FROM tweet_default ORDER BY id`);
  const stars = await column<string>(c, `SELECT id || ':' || tweet_id FROM star_default ORDER BY id`);
  assert.is(tweetIds.length, 1000);
  assert.is(stars.length, 1000);

  await c.query(`UPDATE parting.config SET premake = 7 WHERE model = 'tweet'`);
  await c.query(`UPDATE parting.settings SET drain_batch = 100`);
  const since = await lastHistoryId(c);
  await call(c);

  const h = await historySince(c, since);
  const moved = h.filter((r) => r.action === 'moved');
  assert.equal(moved.map((r) => r.detail!.attached), [...Array(9).fill(false), true]);
  assert.ok(moved.every((r) => r.partition === `tweet_${m6.suffix}`));
  assert.equal(moved.map((r) => r.detail!.rows), Array(10).fill({ tweet: 100, star: 100 }));
  assert.equal(lines(h), [
    ...Array(10).fill(`moved tweet tweet_${m6.suffix}`), ...createdLines([m6, month(7)]), 'maintained tweet',
  ]);
  assert.equal(h.at(-1)!.detail, { 'create:done': 2 });

  assert.equal(await column<string>(c, `SELECT id FROM tweet_${m6.suffix} ORDER BY id`), tweetIds);
  assert.equal(await column<string>(c, `SELECT id || ':' || tweet_id FROM star_${m6.suffix} ORDER BY id`), stars);
  assert.is(await count(c, 'tweet_default'), 0);
  assert.is(await count(c, 'star_default'), 0);
  assert.is(await count(c, 'tweet'), 1003);
  assert.is(await joinedStars(c), 1003);
  assert.equal(await fkTargets(c, `star_${m6.suffix}`), [`tweet_${m6.suffix}`]);
  assert.equal(await column(c, `SELECT convalidated FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'`, [`star_${m6.suffix}`]), [true]);
  assert.is(await count(c, 'parting.offline'), 0);
  assert.equal(await partitionsOf(c, 'tweet'), months(0, 7).map((m) => `tweet_${m.suffix}`));
});

Drain('attach_partition moves in the rows of its key that reached the default partition while it was detached', async (ctx) => {
  const c = ctx.db!.client;
  const m1 = month(1);
  assert.equal(await detach(c, m1.key), [`public.star_${m1.suffix}`, `public.tweet_${m1.suffix}`]);
  await insertPairs(c, m1, 2, 'late');
  assert.is(await count(c, 'tweet_default'), 2);
  assert.is(await count(c, 'star_default'), 2);
  const since = await lastHistoryId(c);
  assert.equal(await attach(c, m1.key), [`tweet_${m1.suffix}`, `star_${m1.suffix}`]);
  assert.is(await count(c, 'tweet_default'), 0);
  assert.is(await count(c, 'star_default'), 0);
  assert.equal(await column(c, `SELECT DISTINCT tableoid::regclass::text FROM tweet WHERE "user" LIKE 'late%'`), [`tweet_${m1.suffix}`]);
  assert.equal(await column(c, `SELECT DISTINCT tableoid::regclass::text FROM star WHERE "user" = 'late'`), [`star_${m1.suffix}`]);
  assert.is(await joinedStars(c), 1005);
  const h = await historySince(c, since);
  assert.equal(lines(h), [`attached tweet tweet_${m1.suffix}`, `attached star star_${m1.suffix}`]);
  assert.equal(h[0]!.detail, { was: 'detached', moved_from_default: { tweet: 2, star: 2 } });
});

Drain.run();
