// CALL parting.run_maintenance() keeps partitions ready ahead of time: on an empty family
// it makes the current month and `premake` months ahead, tweet before star, each star
// partition with its foreign key to the same month's tweet partition; a second run creates
// nothing; after downtime it catches up every month from the newest partition on, with no
// gap between bounds. Each step is logged in parting.history.
//
// now() is real, so every key is a month counted from the current UTC month (month(k)).

import * as assert from 'uvu/assert';
import { counts, ensure, month, months, monthlyTweetStar, rows, scalar } from './helpers.js';
import {
  call, createdLines, dbSuite, fkTargets, historySince, lastHistoryId, lines, maintenanceHistory, partitionsOf,
} from './maintenance-helpers.js';

// ── premake ────────────────────────────────────────────────────────────────

const Premake = dbSuite('run_maintenance: premake', 'maint_premake', monthlyTweetStar({ premake: 2, initial: false }));

Premake('an empty family gets the current month and 2 ahead, tweet before star, each star FK → its tweet partition', async (ctx) => {
  const c = ctx.db!.client;
  assert.is(Number(await scalar(c, 'SELECT count(*) FROM parting.partitions()')), 0);
  await call(c);
  const ms = months(0, 2);
  assert.equal(await partitionsOf(c, 'tweet'), ms.map((m) => `tweet_${m.suffix}`));
  assert.equal(await partitionsOf(c, 'star'), ms.map((m) => `star_${m.suffix}`));
  for (const m of ms) {
    assert.equal(await fkTargets(c, `star_${m.suffix}`), [`tweet_${m.suffix}`]);
  }
  const h = await maintenanceHistory(c);
  assert.equal(lines(h), [...createdLines(ms), 'maintained tweet']);
  assert.equal(h.at(-1)!.detail, { 'create:done': 3 });
});

Premake('a second run creates nothing (idempotent): one more maintained row only', async (ctx) => {
  const c = ctx.db!.client;
  const before = await counts(c);
  const since = await lastHistoryId(c);
  await call(c);
  const after = await counts(c);
  assert.equal(after.relations, before.relations);
  assert.is(after.partitions, before.partitions);
  const h = await historySince(c, since);
  assert.equal(lines(h), ['maintained tweet']);
  assert.equal(h[0]!.detail, {});
});

Premake.run();

// ── catch-up ───────────────────────────────────────────────────────────────

const CatchUp = dbSuite('run_maintenance: catch-up after downtime', 'maint_catchup', monthlyTweetStar({ premake: 2, initial: false }));

CatchUp('last partition 3 months back → every month from it to current+2, contiguous, no gap: the current and premade first, then the missed ones oldest first', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await ensure(c, 'tweet', month(-3).key), [`tweet_${month(-3).suffix}`, `star_${month(-3).suffix}`]);
  const since = await lastHistoryId(c);
  await call(c);
  const ms = months(-3, 2);
  for (const model of ['tweet', 'star']) {
    const got = await rows<{ partition: string; lower: string; upper: string }>(c, `
      SELECT partition::text, lower, upper FROM parting.partitions($1) WHERE NOT is_default ORDER BY lower`, [model]);
    assert.equal(got.map((p) => p.partition), ms.map((m) => `${model}_${m.suffix}`));
    assert.equal(got.map((p) => p.lower), ms.map((m) => m.lower));
    for (let i = 1; i < got.length; i++) {
      assert.is(got[i]!.lower, got[i - 1]!.upper, `${model}: ${got[i]!.partition} starts where ${got[i - 1]!.partition} ends`);
    }
  }
  const h = await historySince(c, since);
  assert.equal(lines(h), [...createdLines(months(0, 2)), ...createdLines([month(-2), month(-1)]), 'maintained tweet']);
  assert.equal(h.at(-1)!.detail, { 'create:done': 5 });
});

CatchUp.run();
