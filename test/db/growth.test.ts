// Bounded growth and statistics: parting.history is pruned past historyKeep (at most
// 10,000 rows a run, oldest first); a model far behind gets its current and premade
// partitions first and then at most catchUp missed ones a run, oldest first, so the backlog
// is made contiguous over several runs (and a gap below a current partition that exists is
// not a backlog); with `analyze`, the parents of a family whose
// partitions a run attached or detached are ANALYZEd (statistics appear in pg_statistic),
// and not otherwise.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import { column, ensure, month, monthlyTweetStar, months, rows, scalar } from './helpers.js';
import { call, count, dbSuite, historySince, insertPairs, lastHistoryId } from './maintenance-helpers.js';

type Loose = ConfigInput & { historyKeep?: string; catchUp?: number; analyze?: boolean };

function withProject(extra: Partial<Loose>): ConfigInput {
  return { ...monthlyTweetStar({ premake: 2, initial: false }), ...extra } as ConfigInput;
}

// ── history ────────────────────────────────────────────────────────────────

const History = dbSuite('growth: parting.history is pruned past historyKeep', 'growth_history', withProject({ historyKeep: '30 days' }));

History('rows older than historyKeep go, 10,000 a run, oldest first; younger ones stay', async (ctx) => {
  const c = ctx.db!.client;
  // Old rows as 'detached', the young one as 'archived': actions this model's runs never log.
  // Every timestamp counts from one instant: each statement has a now() of its own, and no
  // check may depend on how far apart two statements run.
  const t0 = await scalar<string>(c, `SELECT now()::text`);
  await c.query(`INSERT INTO parting.history (at, model, action) SELECT $1::timestamptz - interval '40 days' - g * interval '1 second', 'tweet', 'detached'
                   FROM generate_series(1, 10050) g`, [t0]);
  await c.query(`INSERT INTO parting.history (at, model, action) VALUES ($1::timestamptz - interval '29 days', 'tweet', 'archived')`, [t0]);
  await call(c);
  // The 10,000 oldest went; the 50 youngest old ones (1 to 50 seconds past the 40 days) wait for the next run.
  assert.equal(await column(c, `SELECT extract(epoch FROM $1::timestamptz - interval '40 days' - at)::int FROM parting.history
                                 WHERE action = 'detached' ORDER BY at DESC`, [t0]), Array.from({ length: 50 }, (_, i) => i + 1));
  await call(c);
  assert.equal(await column(c, `SELECT action FROM parting.history WHERE at < $1::timestamptz - interval '1 day' ORDER BY at`, [t0]), ['archived']);
  assert.ok(Number(await scalar(c, `SELECT count(*) FROM parting.history WHERE action = 'maintained'`)) >= 2, 'this run\'s rows stay');
});

History.run();

// ── catch-up ───────────────────────────────────────────────────────────────

const Behind = dbSuite('growth: a model far behind catches up catchUp partitions a run, after the present',
  'growth_catchup', withProject({ catchUp: 4 }));

Behind('12 months missed, catchUp 4: the current and premade first, then 4 missed a run from the oldest, contiguous', async (ctx) => {
  const c = ctx.db!.client;
  await ensure(c, 'tweet', month(-13).key);
  const made: string[][] = [];
  for (let run = 0; run < 4; run++) {
    const since = await lastHistoryId(c);
    await call(c);
    made.push((await historySince(c, since)).filter((r) => r.action === 'created' && r.model === 'tweet').map((r) => r.partition!));
  }
  const names = (ms: ReturnType<typeof months>) => ms.map((m) => `tweet_${m.suffix}`);
  assert.equal(made, [
    [...names(months(0, 2)), ...names(months(-12, -9))],
    names(months(-8, -5)),
    names(months(-4, -1)),
    [],
  ]);
  assert.equal(await column(c, `SELECT partition::text FROM parting.partitions('tweet') WHERE NOT is_default ORDER BY lower`),
    names(months(-13, 2)));
  assert.equal(await column(c, `SELECT partition::text FROM parting.partitions('star') WHERE NOT is_default ORDER BY lower`),
    months(-13, 2).map((m) => `star_${m.suffix}`));
});

Behind('a gap below a current partition that exists is left: an old month made by hand brings no backlog', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await column(c, 'SELECT count(*)::int FROM parting.catch_up'), [0], 'the catch-up above is over');
  await ensure(c, 'tweet', month(-30).key);
  const since = await lastHistoryId(c);
  await call(c);
  assert.equal((await historySince(c, since)).map((r) => r.action), ['maintained']);
  assert.equal(await column(c, 'SELECT count(*)::int FROM parting.catch_up'), [0]);
});

Behind.run();

const Hours = dbSuite('growth: a year of missed hours is planned catchUp at a time', 'growth_hours', {
  catchUp: 4,
  models: {
    ev: {
      columns: { id: 'bigint generated always as identity', at: 'timestamptz not null' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'at', interval: '1 hour', premake: 2, initial: false },
    },
  },
} as ConfigInput, async (c) => {
  await c.query(`SELECT parting.ensure_partition('ev', (now() - interval '1 year')::text)`);
});

Hours('the plan lists the current hour, 2 ahead, then the 4 hours after the one a year back; not the 8,760 between', async (ctx) => {
  const c = ctx.db!.client;
  // One transaction, so the plan and the hours it is compared with share one now(), even
  // when an hour begins between two of these statements.
  await c.query('BEGIN');
  try {
    const plan = await rows<{ step: string; arg: string }>(c, `SELECT step, arg FROM parting._due(parting._model('ev'))`);
    const hour = (sql: string) => scalar<string>(c, `SELECT parting._canonical_abs(parting._model('ev'), ${sql})`);
    const now = `date_trunc('hour', now())`;
    const back = `date_trunc('hour', now() - interval '1 year')`;
    const want: { step: string; arg: string }[] = [];
    for (const h of [0, 1, 2]) want.push({ step: 'create', arg: await hour(`${now} + interval '${h} hours'`) });
    for (const h of [1, 2, 3, 4]) want.push({ step: 'create', arg: await hour(`${back} + interval '${h} hours'`) });
    assert.equal(plan, want);
  } finally {
    await c.query('ROLLBACK');
  }
});

Hours.run();

// ── statistics ─────────────────────────────────────────────────────────────

const Stats = dbSuite('growth: analyze ANALYZEs the parents after a run changed their partitions', 'growth_analyze',
  withProject({ analyze: true }), async (c) => {
    for (const m of months(-1, 0)) {
      await ensure(c, 'tweet', m.key);
      await insertPairs(c, m, 50);
    }
  });

/** Whether the partitioned parent has statistics of its own (ANALYZE of the parent writes them). */
const parentStats = (c: import('pg').Client, table: string) =>
  scalar<number>(c, `SELECT count(*)::int FROM pg_statistic WHERE starelid = $1::regclass`, [table]);

Stats('no statistics before; a run that makes partitions ANALYZEs tweet and star, logged', async (ctx) => {
  const c = ctx.db!.client;
  assert.is(await parentStats(c, 'tweet'), 0);
  assert.is(await parentStats(c, 'star'), 0);
  const since = await lastHistoryId(c);
  await call(c);
  const h = await historySince(c, since);
  assert.ok(await parentStats(c, 'tweet') > 0, 'tweet has statistics');
  assert.ok(await parentStats(c, 'star') > 0, 'star has statistics');
  const analyzed = h.filter((r) => r.action === 'analyzed');
  assert.equal(analyzed.map((r) => r.model), ['tweet', 'star']);
  assert.is(analyzed[0]!.detail!.partitions, 4);
  assert.equal(h.at(-1)!.detail, { 'create:done': 2, 'analyze:done': 1 });
  assert.is(await count(c, 'tweet'), 100);
});

Stats('a run that changes no partition does not ANALYZE; with analyze off, nothing is', async (ctx) => {
  const c = ctx.db!.client;
  let since = await lastHistoryId(c);
  await call(c);
  assert.equal((await historySince(c, since)).map((r) => r.action), ['maintained']);
  await c.query(`UPDATE parting.settings SET analyze_parents = false`);
  await c.query(`SELECT parting.detach_partition('tweet', $1)`, [month(2).key]);
  since = await lastHistoryId(c);
  await call(c);
  assert.equal((await historySince(c, since)).map((r) => r.action), ['maintained'], 'a detached family is not made again, nor analyzed');
});

Stats.run();

const Quiet = suite('growth: without analyze, no run ANALYZEs a parent');

Quiet('a run that makes partitions leaves the parents without statistics', async () => {
  const { installed } = await import('../harness/install.js');
  const db = await installed('growth_quiet', withProject({}));
  try {
    await ensure(db.client, 'tweet', month(0).key);
    await insertPairs(db.client, month(0), 20);
    await call(db.client);
    assert.is(await parentStats(db.client, 'tweet'), 0);
    assert.equal(await column(db.client, `SELECT count(*)::int FROM parting.history WHERE action = 'analyzed'`), [0]);
  } finally {
    await db.drop();
  }
});

Quiet.run();
