// detach_partition / attach_partition called by hand. Detach takes a family out of the
// partition tree star first, then tweet (so no foreign key points at a missing table),
// keeps its rows and makes it 'detached'; attach brings it back tweet first, with its
// foreign key to the tweet partition and its id default; with 'archive' the family moves
// to schema archive and back; with 'drop' a detached or archived family is dropped.
// Repeating a call does nothing. Then every kind of bad input (unknown or dependent model,
// missing or malformed key, unknown action, the default partition, nothing to attach) is
// refused with its own SQLSTATE and message, and changes nothing.
//
// now() is real, so every key is a month counted from the current UTC month (month(k)).

import * as assert from 'uvu/assert';
import { counts, ensure, month, monthlyTweetStar, pgError, rows, scalar } from './helpers.js';
import {
  attach, count, dbSuite, detach, exists, fkTargets, historySince, attachedIdSource, idSource, insertPairs, joinedStars, lastHistoryId, lines,
  parentsOf, partitionsOf, stateOf,
} from './maintenance-helpers.js';

// ── by hand ────────────────────────────────────────────────────────────────

const X = month(-1);
const NOW = month(0);

const ByHand = dbSuite('detach_partition / attach_partition by hand', 'maint_byhand', monthlyTweetStar({ premake: 2, initial: false }),
  async (c) => {
    await ensure(c, 'tweet', X.key);
    await ensure(c, 'tweet', NOW.key);
    await insertPairs(c, X, 3);
    await insertPairs(c, NOW, 2);
  });

ByHand('detach: star then tweet returned, rows leave the parents, state detached', async (ctx) => {
  const c = ctx.db!.client;
  const since = await lastHistoryId(c);
  assert.equal(await detach(c, X.key), [`public.star_${X.suffix}`, `public.tweet_${X.suffix}`]);
  assert.is(await count(c, 'tweet'), 2);
  assert.is(await count(c, 'star'), 2);
  assert.is(await count(c, `tweet_${X.suffix}`), 3);
  assert.equal(await stateOf(c, 'tweet', X.suffix), [`tweet_${X.suffix} detached`]);
  assert.equal(await stateOf(c, 'star', X.suffix), [`star_${X.suffix} detached`]);
  assert.equal(lines(await historySince(c, since)), [`detached star star_${X.suffix}`, `detached tweet tweet_${X.suffix}`]);
  // detaching again does nothing
  assert.equal(await detach(c, X.key), []);
});

ByHand('attach: tweet then star returned, rows back, state attached, FK star → tweet partition, ids from the parent again', async (ctx) => {
  const c = ctx.db!.client;
  const since = await lastHistoryId(c);
  assert.equal(await attach(c, X.key), [`tweet_${X.suffix}`, `star_${X.suffix}`]);
  assert.is(await count(c, 'tweet'), 5);
  assert.is(await count(c, 'star'), 5);
  assert.is(await joinedStars(c), 5);
  assert.equal(await stateOf(c, 'tweet', X.suffix), [`tweet_${X.suffix} attached`]);
  assert.equal(await stateOf(c, 'star', X.suffix), [`star_${X.suffix} attached`]);
  assert.equal(await parentsOf(c, `tweet_${X.suffix}`), ['tweet']);
  assert.equal(await parentsOf(c, `star_${X.suffix}`), ['star']);
  assert.equal(await fkTargets(c, `star_${X.suffix}`), [`tweet_${X.suffix}`]);
  // Before 17 pgpart sets the id default to the parent's sequence; from 17 PostgreSQL links the identity.
  assert.is(await idSource(c, `tweet_${X.suffix}`), attachedIdSource());
  assert.is(await count(c, 'parting.offline'), 0);
  const h = await historySince(c, since);
  assert.equal(lines(h), [`attached tweet tweet_${X.suffix}`, `attached star star_${X.suffix}`]);
  assert.equal(h.map((r) => r.detail!.was), ['detached', 'detached']);
  // attaching again does nothing
  assert.equal(await attach(c, X.key), []);
  // and the month takes new rows
  await insertPairs(c, X, 1, 'again');
  assert.is(await count(c, `tweet_${X.suffix}`), 4);
});

ByHand("detach 'archive' then attach: back from schema archive, archive.tweet left with no partition", async (ctx) => {
  const c = ctx.db!.client;
  // The regclasses returned print where the tables are now.
  assert.equal(await detach(c, X.key, 'archive'), [`public.star_${X.suffix}`, `public.tweet_${X.suffix}`]);
  assert.equal(await stateOf(c, 'tweet', X.suffix), [`archive.tweet_${X.suffix} archived`]);
  assert.equal(await parentsOf(c, `archive.tweet_${X.suffix}`), ['archive.tweet']);
  assert.is(await count(c, 'archive.tweet'), 4);
  assert.is(await count(c, 'tweet'), 2);

  const since = await lastHistoryId(c);
  assert.equal(await attach(c, X.key), [`tweet_${X.suffix}`, `star_${X.suffix}`]);
  assert.ok(await exists(c, `public.tweet_${X.suffix}`));
  assert.ok(await exists(c, `public.star_${X.suffix}`));
  assert.not.ok(await exists(c, `archive.tweet_${X.suffix}`));
  assert.equal(await parentsOf(c, `tweet_${X.suffix}`), ['tweet']);
  assert.equal(await fkTargets(c, `star_${X.suffix}`), [`tweet_${X.suffix}`]);
  assert.is(Number(await scalar(c, `SELECT count(*) FROM pg_inherits WHERE inhparent = 'archive.tweet'::regclass`)), 0);
  assert.is(Number(await scalar(c, `SELECT count(*) FROM pg_inherits WHERE inhparent = 'archive.star'::regclass`)), 0);
  assert.is(await count(c, 'archive.tweet'), 0);
  assert.is(await count(c, 'tweet'), 6);
  assert.is(await joinedStars(c), 6);
  assert.equal(await stateOf(c, 'tweet', X.suffix), [`tweet_${X.suffix} attached`]);
  assert.equal((await historySince(c, since)).map((r) => `${r.action} ${r.partition} ${r.detail!.was}`),
    [`attached tweet_${X.suffix} archived`, `attached star_${X.suffix} archived`]);
});

ByHand("detach, then detach_partition(..., 'drop') drops the offline tables", async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await detach(c, X.key), [`public.star_${X.suffix}`, `public.tweet_${X.suffix}`]);
  const since = await lastHistoryId(c);
  assert.equal(await detach(c, X.key, 'drop'), [], 'nothing left to detach');
  assert.not.ok(await exists(c, `public.tweet_${X.suffix}`));
  assert.not.ok(await exists(c, `public.star_${X.suffix}`));
  assert.is(await count(c, 'parting.offline'), 0);
  assert.equal(await stateOf(c, 'tweet', X.suffix), []);
  const h = await historySince(c, since);
  assert.equal(lines(h), [`dropped star star_${X.suffix}`, `dropped tweet tweet_${X.suffix}`]);
  assert.equal(h.map((r) => r.detail), [{ was: 'detached' }, { was: 'detached' }]);
  assert.is(await count(c, 'tweet'), 2);
  assert.equal(await partitionsOf(c, 'tweet'), [`tweet_${NOW.suffix}`]);
});

ByHand("an archived family dropped with detach_partition(..., 'drop') leaves schema archive too", async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await ensure(c, 'tweet', X.key), [`tweet_${X.suffix}`, `star_${X.suffix}`]);
  await insertPairs(c, X, 1);
  assert.equal(await detach(c, X.key, 'archive'), [`public.star_${X.suffix}`, `public.tweet_${X.suffix}`]);
  assert.is(await count(c, 'archive.tweet'), 1);
  const since = await lastHistoryId(c);
  assert.equal(await detach(c, X.key, 'drop'), []);
  assert.not.ok(await exists(c, `archive.tweet_${X.suffix}`));
  assert.not.ok(await exists(c, `archive.star_${X.suffix}`));
  assert.is(await count(c, 'archive.tweet'), 0);
  assert.is(await count(c, 'parting.offline'), 0);
  const h = await historySince(c, since);
  assert.equal(lines(h), [`dropped star star_${X.suffix}`, `dropped tweet tweet_${X.suffix}`]);
  assert.equal(h.map((r) => r.detail), [{ was: 'archived' }, { was: 'archived' }]);
  assert.equal(await partitionsOf(c, 'tweet'), [`tweet_${NOW.suffix}`]);
});

ByHand.run();

// ── bad input ──────────────────────────────────────────────────────────────

const Bad = dbSuite('maintenance functions refuse bad input and change nothing', 'maint_bad', monthlyTweetStar({ premake: 2, initial: false }),
  async (c) => {
    await ensure(c, 'tweet', month(0).key);
    await ensure(c, 'tweet', month(-2).key);
    await c.query(`SELECT parting.detach_partition('tweet', $1)`, [month(-2).key]);
  });

const NONE = month(-1).key;
const HERE = month(0).key;

const badCalls: [string, string, unknown[], string, string][] = [
  ['unknown model', `SELECT parting.detach_partition('nope', $1)`, [HERE], '22023', 'unknown model "nope"'],
  ['dependent model', `SELECT parting.detach_partition('star', $1)`, [HERE], '22023', 'model "star" is partitioned in lockstep with "tweet"'],
  ['key with no partition', `SELECT parting.detach_partition('tweet', $1)`, [NONE], '42P01', `model "tweet" has no partition for key "${NONE}"`],
  ['malformed key', `SELECT parting.detach_partition('tweet', 'abc')`, [], '22007', 'malformed key "abc" for model "tweet"'],
  ['unknown action', `SELECT parting.detach_partition('tweet', $1, 'burn')`, [HERE], '22023', 'unknown action "burn"'],
  ['null action', `SELECT parting.detach_partition('tweet', $1, NULL)`, [HERE], '22023', 'unknown action'],
  ["key 'default'", `SELECT parting.detach_partition('tweet', 'default')`, [], '22023', 'the default partition of model "tweet" is not detached by pgpart'],
  ['attach: unknown model', `SELECT parting.attach_partition('nope', $1)`, [HERE], '22023', 'unknown model "nope"'],
  ['attach: dependent model', `SELECT parting.attach_partition('star', $1)`, [HERE], '22023', 'model "star" is partitioned in lockstep with "tweet"'],
  ['attach: nothing detached', `SELECT parting.attach_partition('tweet', $1)`, [NONE], '42P01', `model "tweet" has no detached or archived partition for key "${NONE}"`],
  ['attach: malformed key', `SELECT parting.attach_partition('tweet', 'abc')`, [], '22007', 'malformed key "abc" for model "tweet"'],
  ["run_maintenance('nope')", `CALL parting.run_maintenance('nope')`, [], '22023', 'unknown model "nope"'],
  ["run_maintenance('star')", `CALL parting.run_maintenance('star')`, [], '22023', 'model "star" is partitioned in lockstep with "tweet"'],
];

for (const [what, sql, params, code, message] of badCalls) {
  Bad(`${what}: ${code} ${message}, nothing changed`, async (ctx) => {
    const c = ctx.db!.client;
    const snapshot = async () => ({
      ...(await counts(c)),
      partitions: await rows(c, `SELECT model, partition::text, state FROM parting.partitions() ORDER BY 1, 2`),
      offline: await rows(c, `SELECT model, suffix, schema_name, table_name, state FROM parting.offline ORDER BY 1, 2`),
    });
    const before = await snapshot();
    const err = await pgError(c, sql, params);
    assert.is(err.code, code, err.message);
    assert.ok(err.message.includes(message), `"${err.message}" includes "${message}"`);
    assert.equal(await snapshot(), before);
  });
}

Bad('the detached family is still there for the good calls', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await stateOf(c, 'tweet', month(-2).suffix), [`tweet_${month(-2).suffix} detached`]);
  assert.equal(await partitionsOf(c, 'tweet'), [`tweet_${month(0).suffix}`]);
});

Bad.run();
