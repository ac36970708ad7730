// Corner cases of maintenance: a family detached by hand stays detached (never re-created
// by premake or a drain, and ensure_partition says so); run_maintenance refuses a
// transaction block before it takes its lock, so no stale lock blocks the next run; a
// step's locks are all-or-nothing, so a lock it cannot get on an archive table never
// leaves the parents locked; a column added to the live table reaches the archive table;
// a star committed for a tweet a drain batch is moving moves with it; a `pgpart maintain`
// interrupted between star and tweet is finished by run_maintenance.

import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import { SQLSTATE } from '../../src/contract.js';
import { withClients } from '../harness/db.js';
import { column, month, monthlyTweetStar, pgError, pidOf, rows, scalar } from './helpers.js';
import { dbSuite, lastHistoryId, withRetention } from './maintenance-helpers.js';
import { untilOlder, untilWaiting } from './wait.js';

/** tweet/star with a partition made at install, retention archiving months older than 2. */
function archived(withDefault: boolean): ConfigInput {
  return withRetention(monthlyTweetStar({ premake: 2, initial: true, default: withDefault }), '2 months', 'archive');
}

const Edges = dbSuite('maintenance edges', 'maint_edges', archived(true));

Edges('a month detached by hand inside premake stays detached: no failure, no copy, ensure_partition names the cure', async (ctx) => {
  const c = ctx.db!.client;
  const next = month(1);
  assert.equal(await column(c, `SELECT parting.detach_partition('tweet', $1)`, [next.key]),
    [`public.star_${next.suffix}`, `public.tweet_${next.suffix}`]);
  // A row of that month now lands in the default partition; maintenance leaves it there.
  await c.query(`INSERT INTO tweet (json, "user", created_at) VALUES ('{}', 'x', $1::timestamptz)`, [`${next.key}-05 10:00+00`]);
  const since = await lastHistoryId(c);
  await c.query('CALL parting.run_maintenance()');
  assert.equal(await column(c, `SELECT action FROM parting.history WHERE id > $1 AND action NOT IN ('maintained') ORDER BY id`, [since]), []);
  assert.equal(await column(c, `SELECT state FROM parting.partitions('tweet') WHERE key = $1`, [next.suffix]), ['detached']);
  assert.equal(await column(c, `SELECT tableoid::regclass::text FROM tweet WHERE "user" = 'x'`), ['tweet_default']);
  assert.equal(await column(c, `SELECT * FROM parting.ensure_partition('tweet')`), [], 'no key: the detached month is skipped');
  const err = await pgError(c, `SELECT parting.ensure_partition('tweet', $1)`, [next.key]);
  assert.is(err.code, '55000');
  assert.match(err.message, new RegExp(`partition tweet_${next.suffix} of model "tweet" is detached or archived`));
  assert.match(String(err.hint), /parting\.attach_partition\('tweet'/);
  // attach_partition brings it back with the row that waited in the default partition.
  assert.equal((await column(c, `SELECT parting.attach_partition('tweet', $1)`, [next.key])).length, 2);
  assert.equal(await column(c, `SELECT tableoid::regclass::text FROM tweet WHERE "user" = 'x'`), [`tweet_${next.suffix}`]);
});

Edges('CALL run_maintenance() in a transaction block is refused before it locks anything', async (ctx) => {
  await withClients(ctx.db!.url, 2, async ([a, b]) => {
    // Right after BEGIN (nothing written, no time passed), after a write, inside a savepoint
    // (Django's TestCase), and as the second statement of one query string (an implicit
    // transaction block): pgpart's own SQLSTATE and words every time, never PostgreSQL's
    // bare "invalid transaction termination".
    for (const before of [[], ['SELECT pg_current_xact_id()'], ['SAVEPOINT s']]) {
      await a!.query('BEGIN');
      for (const sql of before) await a!.query(sql);
      const told = await pgError(a!, 'CALL parting.run_maintenance()');
      assert.is(told.code, SQLSTATE.inTransactionBlock, before.join());
      assert.is(told.message, 'CALL parting.run_maintenance() cannot run inside a transaction block');
      assert.match(String(told.detail), 'a procedure called inside a transaction block (or from a function) may not commit');
      assert.match(String(told.hint), 'in Django use TransactionTestCase, not TestCase');
      assert.match(String(told.hint), 'pgm.noTransaction()');
      assert.match(String(told.hint), "parting.ensure_partition('<model>')");
      await a!.query('ROLLBACK');
    }
    const oneString = await pgError(a!, 'SELECT 1; CALL parting.run_maintenance()');
    assert.is(oneString.code, SQLSTATE.inTransactionBlock);
    // Called from a function (always atomic), the same.
    await a!.query(`CREATE FUNCTION pg_temp.maintain() RETURNS void LANGUAGE plpgsql AS $$ BEGIN CALL parting.run_maintenance(); END $$`);
    assert.is((await pgError(a!, 'SELECT pg_temp.maintain()')).code, SQLSTATE.inTransactionBlock);
    // From a DO block at the top level (not atomic), it runs.
    await a!.query('DO $$ BEGIN CALL parting.run_maintenance(); END $$');
    assert.equal(await column(a!, `SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`), [0]);
    const notices: string[] = [];
    b!.on('notice', (n) => notices.push(n.message ?? ''));
    await b!.query('CALL parting.run_maintenance()');
    assert.equal(notices.filter((n) => /already running/.test(n)), [], 'the next run is not blocked');
  });
});

Edges('a lock the archive step cannot get never leaves the parents locked: the whole try is released', async (ctx) => {
  const c = ctx.db!.client;
  const old = month(-4);
  await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [old.key]);
  await c.query(`SELECT parting._archive_parent(parting._model('tweet'))`);
  await c.query(`UPDATE parting.settings SET lock_timeout = '100ms', lock_tries = 3`);
  await withClients(ctx.db!.url, 3, async ([holder, m, sampler]) => {
    // An old transaction holding SHARE on archive.tweet, which archiving must attach to:
    // older than lockTimeout by the server's clock, so no try asks for the locks at all.
    await holder!.query('BEGIN');
    await holder!.query('LOCK TABLE archive.tweet IN SHARE MODE');
    await untilOlder(sampler!, await pidOf(holder!), '100ms');
    const mPid = await pidOf(m!);
    let done = false;
    const seen: { relname: string; mode: string }[] = [];
    const sample = (async () => {
      while (!done) {
        seen.push(...await rows<{ relname: string; mode: string }>(sampler!, `
          SELECT c.relname::text AS relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
           WHERE l.pid = $1 AND c.relname IN ('tweet', 'star')`, [mPid]));
      }
    })();
    await m!.query('CALL parting.run_maintenance()');
    done = true;
    await sample;
    await holder!.query('COMMIT');
    assert.equal(seen.filter((s) => s.mode === 'AccessExclusiveLock'), [], 'no parent was held while the archive lock was refused');
  });
  const skipped = await rows<{ partition: string; error: string }>(c,
    `SELECT partition, detail->>'error' AS error FROM parting.history WHERE action = 'skipped'`);
  assert.equal(skipped.map((s) => s.partition), [`tweet_${old.suffix}`]);
  assert.match(skipped[0]!.error, /holds ShareLock on archive\.tweet/);
  assert.equal(await column(c, `SELECT state FROM parting.partitions('tweet') WHERE key = $1`, [old.suffix]), ['attached']);
  await c.query(`UPDATE parting.settings SET lock_timeout = '2s', lock_tries = 5`);
});

Edges('a column added to the live table reaches the archive table, so archiving goes on', async (ctx) => {
  const c = ctx.db!.client;
  const a = month(-6);
  const b = month(-5);
  await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [a.key]);
  await c.query(`SELECT parting.detach_partition('tweet', $1, 'archive')`, [a.key]);
  await c.query(`ALTER TABLE tweet ADD COLUMN lang text`);
  await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [b.key]);
  await c.query(`INSERT INTO tweet (json, "user", created_at, lang) VALUES ('{}', 'l', $1::timestamptz, 'en')`, [`${b.key}-03 10:00+00`]);
  assert.equal(await column(c, `SELECT parting.detach_partition('tweet', $1, 'archive')`, [b.key]),
    [`public.star_${b.suffix}`, `public.tweet_${b.suffix}`]);
  assert.equal(await column(c, `SELECT lang FROM archive.tweet ORDER BY created_at`), ['en']);
  assert.equal(await column(c, `SELECT state FROM parting.partitions('tweet') WHERE key IN ($1, $2) ORDER BY key`, [a.suffix, b.suffix]),
    ['archived', 'archived']);
});

Edges('a star committed for a waiting tweet while a batch locks it moves with it; the batch does not fail', async (ctx) => {
  const c = ctx.db!.client;
  const ahead = month(5);
  await c.query(`UPDATE parting.config SET premake = 4`);
  await c.query(`UPDATE parting.settings SET drain_batch = 5`);
  await c.query('CALL parting.run_maintenance()'); // up to +4: the run below has only the drain to do
  // Eight tweets of a month beyond premake wait in the default partition.
  await c.query(`INSERT INTO tweet (json, "user", created_at)
                 SELECT '{}', 'w' || g, $1::timestamptz + g * interval '1 hour' FROM generate_series(1, 8) g`, [`${ahead.key}-02 00:00+00`]);
  const first = await rows<{ id: string; created_at: Date }>(c,
    `SELECT id, created_at FROM tweet_default WHERE "user" = 'w1'`);
  // A lock timeout no wait here comes near: the batch waits for the writer until it commits.
  await c.query(`UPDATE parting.config SET premake = 5 WHERE model = 'tweet'`);
  await c.query(`UPDATE parting.settings SET lock_timeout = '300s'`);
  const since = await lastHistoryId(c);
  await withClients(ctx.db!.url, 3, async ([w, m, watcher]) => {
    // A writer starring the first waiting tweet holds a KEY SHARE lock on it, uncommitted.
    await w!.query('BEGIN');
    await w!.query(`INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('late', $1, $2)`, [first[0]!.id, first[0]!.created_at]);
    const mPid = await pidOf(m!);
    const run = m!.query('CALL parting.run_maintenance()');
    // Commit only once the batch waits for the writer's row lock on that tweet.
    await untilWaiting(watcher!, mPid, await pidOf(w!), { unless: run });
    const waitedFor = await column<string>(watcher!, `SELECT locktype FROM pg_locks WHERE pid = $1 AND NOT granted`, [mPid]);
    assert.match(waitedFor.join(','), /^(transactionid|tuple)$/, 'the batch waited for the writer\'s row lock');
    await w!.query('COMMIT');
    await run;
  });
  assert.equal(await column(c, `SELECT action FROM parting.history WHERE id > $1 AND action IN ('failed', 'skipped')`, [since]), []);
  assert.ok(Number(await scalar(c, `SELECT count(*) FROM parting.history WHERE id > $1 AND action = 'moved'`, [since])) >= 2, 'in batches');
  assert.equal(await column(c, `SELECT tableoid::regclass::text FROM star WHERE "user" = 'late'`), [`star_${ahead.suffix}`]);
  assert.equal(await column(c, `SELECT count(*)::int FROM tweet WHERE tableoid = $1::regclass`, [`tweet_${ahead.suffix}`]), [8]);
  assert.equal(await column(c, `SELECT count(*)::int FROM tweet_default`), [0]);
  await c.query(`UPDATE parting.config SET premake = 2`);
  await c.query(`UPDATE parting.settings SET drain_batch = 10000, lock_timeout = '2s'`);
});

const HalfDone = dbSuite('a pgpart maintain interrupted between star and tweet', 'maint_half', archived(false));

HalfDone('run_maintenance finishes it: both archived, the star table without its id default', async (ctx) => {
  const c = ctx.db!.client;
  const old = month(-4);
  await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [old.key]);
  const statements = await column<string>(c, `SELECT parting._detach_concurrently('tweet', $1)`, [old.suffix]);
  await c.query(statements[0]!); // star only, then the client "dies"
  assert.equal(await column(c, `SELECT model || ':' || state FROM parting.offline ORDER BY model`), ['star:detaching', 'tweet:detaching']);
  await c.query('CALL parting.run_maintenance()');
  assert.equal(await column(c, `SELECT action FROM parting.history WHERE action IN ('failed', 'skipped')`), []);
  assert.equal(await column(c, `SELECT model || ':' || state || ':' || schema_name FROM parting.offline ORDER BY model`),
    ['star:archived:archive', 'tweet:archived:archive']);
  assert.equal(await column(c, `SELECT count(*)::int FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                                 WHERE d.adrelid = $1::regclass AND a.attname = 'id'`, [`archive.star_${old.suffix}`]), [0]);
  assert.equal(await column(c, `SELECT confrelid::regclass::text FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'`,
    [`archive.star_${old.suffix}`]), [`archive.tweet_${old.suffix}`]);
});

Edges.run();
HalfDone.run();
