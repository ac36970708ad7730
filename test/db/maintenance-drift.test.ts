// Maintenance keeps working on a live model changed by hand, and small mistakes get a clear
// error with a hint. After a column is dropped from tweet by hand, retention still archives:
// the archive table keeps the column (archived months keep its values) and the new month gets
// it, empty. After a column's type is changed by hand, the month is retired but kept detached
// (the archive table cannot take it), logged, and nothing else stops. A detached month whose
// tables were dropped by hand is made anew by ensure_partition; one half dropped says how to
// get out. run_maintenance inside a transaction block says why it cannot run there. A time
// zone the server does not know is refused at install, not at the first partition.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { column, logged, month, monthlyTweetStar, pgError, rows, scalar } from './helpers.js';
import { dbSuite, withRetention } from './maintenance-helpers.js';
import { refused } from './reconcile-helpers.js';

const M = [month(-7), month(-6), month(-5)];

const Drift = dbSuite('maintenance after columns changed by hand', 'maint_drift',
  withRetention(monthlyTweetStar({ premake: 1, initial: true }), '3 months', 'archive'),
  async (c) => {
    for (const m of M) {
      await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [m.key]);
      await c.query(`INSERT INTO tweet (json, "user", created_at) VALUES ('{"k":1}', 'u', $1)`, [m.at()]);
    }
  });

Drift('a column dropped from the live table: the next month is still archived; archived months keep their values', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`SELECT parting.detach_partition('tweet', $1, 'archive')`, [M[0]!.key]); // archive.tweet made, with json
  await c.query(`ALTER TABLE tweet DROP COLUMN json`);
  await c.query('CALL parting.run_maintenance()');
  assert.equal(await column(c, `SELECT action FROM parting.history WHERE action IN ('failed', 'skipped')`), []);
  assert.equal(await column(c, `SELECT key FROM parting.partitions('tweet') WHERE state = 'archived' ORDER BY key`), M.map((m) => m.suffix));
  assert.equal(await rows(c, `SELECT tableoid::regclass::text AS t, json::text FROM archive.tweet ORDER BY created_at`), [
    { t: `archive.tweet_${M[0]!.suffix}`, json: '{"k": 1}' },
    { t: `archive.tweet_${M[1]!.suffix}`, json: null },
    { t: `archive.tweet_${M[2]!.suffix}`, json: null },
  ]);
});

Drift.run();

const TypeDrift = dbSuite('maintenance after a type changed by hand', 'maint_type_drift',
  withRetention(monthlyTweetStar({ premake: 1, initial: true }), '3 months', 'archive'),
  async (c) => {
    for (const m of M) await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [m.key]);
  });

TypeDrift('a column\'s type changed by hand: the month is retired but kept detached, logged with a hint; the run goes on', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`SELECT parting.detach_partition('tweet', $1, 'archive')`, [M[0]!.key]);
  await c.query(`ALTER TABLE tweet ALTER COLUMN "user" TYPE varchar(40)`);
  await c.query('CALL parting.run_maintenance()');
  const states = await rows(c, `SELECT key, state FROM parting.partitions('tweet') WHERE key = ANY ($1) ORDER BY key`, [M.map((m) => m.suffix)]);
  assert.equal(states, [
    { key: M[0]!.suffix, state: 'archived' }, { key: M[1]!.suffix, state: 'detached' }, { key: M[2]!.suffix, state: 'detached' },
  ]);
  const failed = await rows<{ partition: string; detail: { error: string; hint: string } }>(c,
    `SELECT partition, detail FROM parting.history WHERE action = 'failed' ORDER BY id`);
  assert.equal(failed.map((f) => f.partition), [`tweet_${M[1]!.suffix}`, `tweet_${M[2]!.suffix}`]);
  assert.match(failed[0]!.detail.error, `kept detached: the archive table cannot take it: tweet: "user" is character varying(40) in public.tweet_${M[1]!.suffix} but text in archive.tweet`, failed[0]!.detail.error);
  assert.match(failed[0]!.detail.hint, /ALTER TABLE … ALTER COLUMN … TYPE/);
  // A second run does not try again (the months are out), and fails nothing.
  const since = Number(await scalar(c, 'SELECT max(id) FROM parting.history'));
  await c.query('CALL parting.run_maintenance()');
  assert.equal(await column(c, `SELECT action FROM parting.history WHERE id > $1 AND action = 'failed'`, [since]), []);
});

TypeDrift.run();

const Edges = suite<{ db?: FreshDatabase }>('small mistakes get a clear error', {});
Edges.before(async (ctx) => {
  ctx.db = await logged('install', () => installed('small_edges', monthlyTweetStar({ premake: 1, initial: true })));
});
Edges.after(async (ctx) => ctx.db?.drop());

Edges('a detached month dropped by hand is made anew; half dropped, attach_partition says how to get out', async (ctx) => {
  const c = ctx.db!.client;
  const a = month(-8);
  const b = month(-9);
  for (const m of [a, b]) {
    await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [m.key]);
    await c.query(`SELECT parting.detach_partition('tweet', $1)`, [m.key]);
  }
  await c.query(`DROP TABLE star_${a.suffix}, tweet_${a.suffix}`);
  assert.equal(await column(c, `SELECT p::text FROM parting.ensure_partition('tweet', $1) p`, [a.key]), [`tweet_${a.suffix}`, `star_${a.suffix}`]);
  assert.equal(await column(c, `SELECT action FROM parting.history WHERE action = 'forgotten' ORDER BY partition`), ['forgotten', 'forgotten']);

  await c.query(`DROP TABLE star_${b.suffix}`);
  const e = await pgError(c, `SELECT parting.attach_partition('tweet', $1)`, [b.key]);
  assert.match(e.message, `table public.star_${b.suffix} of model "star" no longer exists`);
  assert.match(e.hint!, /drop its other detached tables too \(parting\.detach_partition\(…, 'drop'\) drops them\), after which ensure_partition makes the partition anew/);
  await c.query(`SELECT parting.detach_partition('tweet', $1, 'drop')`, [b.key]);
  assert.equal(await column(c, `SELECT p::text FROM parting.ensure_partition('tweet', $1) p`, [b.key]), [`tweet_${b.suffix}`, `star_${b.suffix}`]);
});

Edges('CALL run_maintenance() in a transaction block that has begun earlier: refused with the reason and a hint', async (ctx) => {
  const c = ctx.db!.client;
  await c.query('BEGIN');
  await c.query(`INSERT INTO tweet ("user") VALUES ('x')`);
  const e = await pgError(c, 'CALL parting.run_maintenance()');
  await c.query('ROLLBACK');
  assert.is(e.code, 'PGP03');
  assert.is(e.message, 'CALL parting.run_maintenance() cannot run inside a transaction block');
  assert.match(e.hint!, 'call it on its own, in autocommit');
});

Edges('a time zone Node knows and this server does not (US/Pacific-New): the install is refused, naming the field', async (ctx) => {
  await refused(ctx.db!, { ...monthlyTweetStar({ premake: 1, initial: true }), timezone: 'US/Pacific-New' },
    "models.tweet.partition.timezone (or the project's timezone): this PostgreSQL does not know the time zone 'US/Pacific-New'");
});

Edges.run();
