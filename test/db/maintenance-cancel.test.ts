// A cancel during maintenance (pg_cancel_backend, or a statement_timeout: both raise 57014):
// the step it hit is logged like a failure (sqlstate 57014, cancelled: true), the run stops,
// lets go of the run guard and ends with the cancel's error, and the next run, in the same
// pooled session or another, goes on. The cancel arrives while the step waits for a lock
// the test holds, so it hits that step whatever the machine's speed. A step's own lock
// retries never outlive a statement_timeout: behind a transaction older than lockTimeout,
// with many tries allowed, the step gives up as 'skipped' in time and the run ends normally.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withClients, type FreshDatabase } from '../harness/db.js';
import { column, month, monthlyTweetStar, pgError, pidOf, rows, scalar } from './helpers.js';
import { dbSuite, withRetention } from './maintenance-helpers.js';
import { untilOlder, untilWaiting } from './wait.js';

const OLD = month(-5);
const AHEAD = month(2);

const Cancel = dbSuite('maintenance cancelled', 'maint_cancel',
  withRetention(monthlyTweetStar({ premake: 1, initial: true, default: true }), '2 months', 'detach'),
  async (c) => {
    await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [OLD.key]);
    // Rows waiting in the default partition for a month premake will reach: the step that
    // moves them is the one the cancel hits.
    await c.query(`WITH t AS (INSERT INTO tweet ("user", created_at) SELECT 'u', $1::timestamptz + g * interval '1 second'
                                FROM generate_series(1, 200000) g RETURNING id, created_at)
                   INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 's', id, created_at FROM t`, [AHEAD.at(2)]);
  });

Cancel('a step cancelled while it waits: logged as failed, the run stops and lets go of the guard; the next run does the rest', async (ctx) => {
  const db = ctx.db!;
  // A lock timeout no wait here comes near: the step waits for the holder until cancelled.
  await db.client.query(`UPDATE parting.config SET premake = 2`);
  await db.client.query(`UPDATE parting.settings SET drain_batch = 1000000, lock_timeout = '300s'`);
  await withClients(db.url, 3, async ([runner, holder, observer]) => {
    const runnerPid = await pidOf(runner!);
    const holderPid = await pidOf(holder!);
    // The step that makes month +2 moves its 200,000 rows out of the default partition under
    // ACCESS EXCLUSIVE on it: it waits for this reader.
    await holder!.query('BEGIN');
    await holder!.query('LOCK TABLE tweet_default IN ACCESS SHARE MODE');
    const run = pgError(runner!, 'CALL parting.run_maintenance()');
    await untilWaiting(observer!, runnerPid, holderPid, { unless: run });
    assert.ok(await scalar(observer!, 'SELECT pg_cancel_backend($1)', [runnerPid]));
    const e = await run;
    await holder!.query('COMMIT');
    assert.is(e.code, '57014', e.message);
    assert.match(e.message, `parting.run_maintenance was cancelled during create ${AHEAD.key}-01 00:00:00`);
    assert.match(e.message, 'the steps before it are done, the rest is left to the next run');
    const failed = await rows<{ partition: string; detail: Record<string, unknown> }>(db.client,
      `SELECT partition, detail FROM parting.history WHERE action = 'failed'`);
    assert.equal(failed.map((f) => [f.partition, f.detail.step, f.detail.sqlstate, f.detail.cancelled]),
      [[`tweet_${AHEAD.suffix}`, 'create', '57014', true]]);
    assert.equal(await rows(db.client, `SELECT pid FROM parting.run_guard`), [{ pid: null }], 'the guard is free');
    assert.is(Number(await scalar(db.client, `SELECT count(*) FROM tweet_default`)), 200000, 'the cancelled step moved nothing');
    // The same (pooled) session runs again at once and does it all.
    await runner!.query('CALL parting.run_maintenance()');
  });
  assert.is(Number(await scalar(db.client, `SELECT count(*) FROM tweet_default`)), 0);
  assert.is(Number(await scalar(db.client, `SELECT count(*) FROM ${`tweet_${AHEAD.suffix}`}`)), 200000);
  assert.equal(await column(db.client, `SELECT state FROM parting.partitions('tweet') WHERE key = $1`, [OLD.suffix]), ['detached']);
});

// statement_timeout is a time, and so is what this test is about; its margins are wide: the
// run starts the step only while 2 x lockTimeout (4 s) remains, far more than the steps
// before it take, and the step gives up at the latest with lockTimeout (2 s) left, far more
// than the run needs to log it and end.
Cancel('retries that would outlive statement_timeout stop in time: the step is skipped, the run ends normally', async (ctx) => {
  const db = ctx.db!;
  const next = month(-4);
  await db.client.query(`SELECT parting.ensure_partition('tweet', $1)`, [next.key]);
  await db.client.query(`UPDATE parting.settings SET drain_batch = 10000, lock_timeout = '2s', lock_tries = 20`);
  const since = Number(await scalar(db.client, 'SELECT max(id) FROM parting.history'));
  await withClients(db.url, 3, async ([reader, runner, observer]) => {
    await reader!.query('BEGIN');
    await reader!.query(`SELECT count(*) FROM tweet_${next.suffix}`);
    // Older than lockTimeout: not even asked for, only backed off from, try after try.
    await untilOlder(observer!, await pidOf(reader!), '2s');
    await runner!.query(`SET statement_timeout = '12s'`);
    await runner!.query('CALL parting.run_maintenance()');
    await reader!.query('ROLLBACK');
  });
  const h = await rows<{ action: string; detail: Record<string, unknown> }>(db.client,
    `SELECT action, detail FROM parting.history WHERE id > $1 AND action IN ('skipped', 'failed', 'maintained') ORDER BY id`, [since]);
  assert.equal(h.map((x) => x.action), ['skipped', 'maintained']);
  assert.match(String(h[0]!.detail.error), /statement_timeout would pass before another try ends/);
});

Cancel.run();
