// A cancel or a statement_timeout during maintenance: the step it hit is logged like a
// failure (sqlstate 57014, cancelled: true), the run stops, lets go of the run guard and
// ends with the cancel's error, and the next run, in the same pooled session or another,
// goes on. A step's own lock retries never outlive a statement_timeout: behind a
// transaction older than lockTimeout, with many tries allowed, the step gives up as
// 'skipped' in time and the run ends normally.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withClients, type FreshDatabase } from '../harness/db.js';
import { column, logged, month, monthlyTweetStar, pgError, rows, scalar, sleep } from './helpers.js';
import { dbSuite, withRetention } from './maintenance-helpers.js';

const OLD = month(-5);
const AHEAD = month(2);

const Cancel = dbSuite('maintenance cancelled by statement_timeout', 'maint_cancel',
  withRetention(monthlyTweetStar({ premake: 1, initial: true, default: true }), '2 months', 'detach'),
  async (c) => {
    await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [OLD.key]);
    // Rows waiting in the default partition for a month premake will reach: moving them is
    // the long step the cancel hits.
    await c.query(`WITH t AS (INSERT INTO tweet ("user", created_at) SELECT 'u', $1::timestamptz + g * interval '1 second'
                                FROM generate_series(1, 200000) g RETURNING id, created_at)
                   INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 's', id, created_at FROM t`, [AHEAD.at(2)]);
  });

Cancel('a step cancelled by statement_timeout: logged as failed, the run stops and lets go of the guard; the next run does the rest', async (ctx) => {
  const db = ctx.db!;
  // A short lockTimeout, so run_maintenance starts the step: it starts none it could not end
  // in time by its locks alone.
  await db.client.query(`UPDATE parting.config SET premake = 2, drain_batch = 1000000, lock_timeout = '100ms'`);
  await withClients(db.url, 1, async ([runner]) => {
    await runner!.query(`SET statement_timeout = '700ms'`);
    const e = await pgError(runner!, 'CALL parting.run_maintenance()');
    assert.is(e.code, '57014', e.message);
    // The premake step that makes month +2 moves its 200,000 rows out of the default partition.
    assert.match(e.message, `parting.run_maintenance was cancelled during create ${AHEAD.key}-01 00:00:00`);
    assert.match(e.message, 'the steps before it are done, the rest is left to the next run');
    const failed = await rows<{ partition: string; detail: Record<string, unknown> }>(db.client,
      `SELECT partition, detail FROM parting.history WHERE action = 'failed'`);
    assert.equal(failed.map((f) => [f.partition, f.detail.step, f.detail.sqlstate, f.detail.cancelled]),
      [[`tweet_${AHEAD.suffix}`, 'create', '57014', true]]);
    assert.equal(await rows(db.client, `SELECT pid FROM parting.run_guard`), [{ pid: null }], 'the guard is free');
    assert.is(Number(await scalar(db.client, `SELECT count(*) FROM tweet_default`)), 200000, 'the cancelled move was rolled back whole');
    // The same (pooled) session runs again at once, and without the timeout does it all.
    await runner!.query(`RESET statement_timeout`);
    await runner!.query('CALL parting.run_maintenance()');
  });
  assert.is(Number(await scalar(db.client, `SELECT count(*) FROM tweet_default`)), 0);
  assert.is(Number(await scalar(db.client, `SELECT count(*) FROM ${`tweet_${AHEAD.suffix}`}`)), 200000);
  assert.equal(await column(db.client, `SELECT state FROM parting.partitions('tweet') WHERE key = $1`, [OLD.suffix]), ['detached']);
});

Cancel('retries that would outlive statement_timeout stop in time: the step is skipped, the run ends normally', async (ctx) => {
  const db = ctx.db!;
  const next = month(-4);
  await db.client.query(`SELECT parting.ensure_partition('tweet', $1)`, [next.key]);
  await db.client.query(`UPDATE parting.config SET drain_batch = 10000`);
  await db.client.query(`UPDATE parting.config SET lock_timeout = '300ms', lock_tries = 20`);
  const since = Number(await scalar(db.client, 'SELECT max(id) FROM parting.history'));
  await withClients(db.url, 2, async ([reader, runner]) => {
    await reader!.query('BEGIN');
    await reader!.query(`SELECT count(*) FROM tweet_${next.suffix}`);
    await sleep(400); // older than lockTimeout: not even asked for, only backed off from
    await runner!.query(`SET statement_timeout = '3s'`);
    await runner!.query('CALL parting.run_maintenance()');
    await reader!.query('ROLLBACK');
  });
  const h = await rows<{ action: string; detail: Record<string, unknown> }>(db.client,
    `SELECT action, detail FROM parting.history WHERE id > $1 AND action IN ('skipped', 'failed', 'maintained') ORDER BY id`, [since]);
  assert.equal(h.map((x) => x.action), ['skipped', 'maintained']);
  assert.match(String(h[0]!.detail.error), /statement_timeout would pass before another try ends/);
});

Cancel.run();
