// A family whose maintenance fails is logged and isolated: when tweet cannot get its next
// month (a plain table already holds the name), run_maintenance logs 'failed' with the step,
// SQLSTATE and error, makes no later tweet month (a gap would follow), and still maintains
// every other model. Once the obstacle is gone, the next run fills the missing months.
//
// now() is real, so every key is a month counted from the current UTC month (month(k)).

import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import { month, months, monthlyTweetStar } from './helpers.js';
import {
  call, createdLines, dbSuite, exists, historySince, lastHistoryId, lines, maintenanceHistory, partitionsOf,
} from './maintenance-helpers.js';

function twoRoots(): ConfigInput {
  const cfg = monthlyTweetStar({ premake: 2, initial: false }) as ConfigInput & { models: Record<string, unknown> };
  cfg.models.log = {
    columns: { id: 'bigint generated always as identity', at: 'timestamptz not null default now()', msg: 'text' },
    primaryKey: ['id'],
    partition: { by: 'range', column: 'at', interval: '1 month', premake: 2, initial: false },
  };
  return cfg;
}

const Isolation = dbSuite('run_maintenance: a failing family is logged and isolated', 'maint_isolation', twoRoots(),
  async (c) => {
    await c.query(`CREATE TABLE public.tweet_${month(1).suffix} (x int)`);
  });

Isolation("tweet fails at current+1 (a plain table in the way): 'failed' logged, no later month made, log gets all of its", async (ctx) => {
  const c = ctx.db!.client;
  const m1 = month(1);
  await call(c);
  const h = await maintenanceHistory(c);
  assert.equal(lines(h).map((l) => (l.startsWith('failed tweet') ? 'failed tweet' : l)), [
    ...months(0, 2).map((m) => `created log log_${m.suffix}`), 'maintained log',
    `created tweet tweet_${month(0).suffix}`, `created star star_${month(0).suffix}`, 'failed tweet', 'maintained tweet',
  ]);
  const failed = h.find((r) => r.action === 'failed')!;
  assert.is(failed.detail!.step, 'create');
  assert.is(failed.detail!.sqlstate, '42P07');
  assert.match(String(failed.detail!.error), `table public.tweet_${m1.suffix} exists but is not a partition of`);
  // The run's row also says which step the held one waits behind: the failed create.
  const { 'create:held behind': behind, ...counts } = h.find((r) => r.action === 'maintained' && r.model === 'tweet')!.detail!;
  assert.equal(counts, { 'create:done': 1, 'create:failed': 1, 'create:held': 1 });
  assert.match(String(behind), /^create \S+ \S+ \(failed\)$/);
  assert.equal(h.find((r) => r.action === 'maintained' && r.model === 'log')!.detail, { 'create:done': 3 });

  assert.equal(await partitionsOf(c, 'tweet'), [`tweet_${month(0).suffix}`]);
  assert.equal(await partitionsOf(c, 'star'), [`star_${month(0).suffix}`]);
  assert.not.ok(await exists(c, `public.tweet_${month(2).suffix}`), 'no month after the failed one (no gap)');
  assert.not.ok(await exists(c, `public.star_${m1.suffix}`));
  assert.equal(await partitionsOf(c, 'log'), months(0, 2).map((m) => `log_${m.suffix}`));
});

Isolation('once the table is out of the way, the next run fills current+1 and +2', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`DROP TABLE public.tweet_${month(1).suffix}`);
  const since = await lastHistoryId(c);
  await call(c, 'tweet');
  assert.equal(lines(await historySince(c, since)), [...createdLines(months(1, 2)), 'maintained tweet']);
  assert.equal(await partitionsOf(c, 'tweet'), months(0, 2).map((m) => `tweet_${m.suffix}`));
});

Isolation.run();
