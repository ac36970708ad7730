// Before each try for its locks, maintenance looks for a holder that will not let go within
// lockTimeout (a conflicting lock in a transaction already older than that) and, if there is
// one, does not ask: the request would only stall the writers queued behind it. These tests
// hold a lock from another session and call parting._lock_all, the routine every step takes
// its locks through:
// - a holder older than lockTimeout: refused at once, naming it, and never asked for (asking
//   would end in 'lock_timeout expired' after a whole lockTimeout);
// - the same holder's next, young transaction, seen later in the same maintenance
//   transaction (by a second call, and by a later try of the same call): asked for, and
//   taken once the holder commits. PostgreSQL keeps the pg_stat_activity a transaction first
//   read until it ends, so a probe that reused it would date the new transaction from the
//   old one's start and never ask again.
//
// Old and young are the runtime's own test against the lock timeout, by the server's clock:
// the tests wait until a holder is older than it, never for a length of time. A young
// transaction must still be young when the probe looks, and a lock asked for must be let go
// within the timeout, so those tests use a timeout (15 s) far beyond the few statements
// between; their old holders begin in before() and grow old while the first test runs.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { newClient, withClients, type FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { monthlyTweetStar, pgError, pidOf, scalar } from './helpers.js';
import { until, untilOlder, untilWaiting } from './wait.js';

/** The lock timeout of the tests whose holders must be young when asked for, then old. */
const PATIENT = '15s';

interface Ctx {
  db?: FreshDatabase;
  /** Holders that begin in before(), so they are old by the time their test runs. */
  holders?: Record<'h2' | 'h3' | 'k3', pg.Client>;
}

const Probe = suite<Ctx>('lock probe: a holder older than lockTimeout is not asked for; a young one is', {});

Probe.before(async (ctx) => {
  ctx.db = await installed('lock_probe', monthlyTweetStar());
  // A table for each test, so one test's holders are never another's.
  await ctx.db.client.query('CREATE TABLE probe_1 (x int); CREATE TABLE probe_2 (x int); CREATE TABLE probe_3 (x int)');
  const holders = { h2: newClient(ctx.db.url), h3: newClient(ctx.db.url), k3: newClient(ctx.db.url) };
  ctx.holders = holders;
  for (const c of Object.values(holders)) await c.connect();
  await hold(holders.h2, 'probe_2');
  await hold(holders.h3, 'probe_3');
  await hold(holders.k3, 'probe_3');
});
Probe.after(async (ctx) => {
  for (const c of Object.values(ctx.holders ?? {})) await c.end().catch(() => {});
  await ctx.db?.drop();
});

/** Opens a transaction on `c` holding ROW EXCLUSIVE on `table` (what a writer holds). */
async function hold(c: pg.Client, table: string): Promise<void> {
  await c.query('BEGIN');
  await c.query(`LOCK TABLE ${table} IN ROW EXCLUSIVE MODE`);
}

/** parting._lock_all for ACCESS EXCLUSIVE on one table, returning the tries it took. */
const lockAll = (table: string, timeout: string, tries: number) =>
  `SELECT parting._lock_all('${timeout}', ${tries}, ARRAY['${table}'::regclass], ARRAY['ACCESS EXCLUSIVE']) AS tries`;

const BACKING_OFF = `SELECT EXISTS (SELECT FROM pg_stat_activity WHERE pid = $1 AND wait_event = 'PgSleep')`;
const holdsIt = (table: string) => `SELECT EXISTS (SELECT FROM pg_locks WHERE pid = $1 AND granted AND mode = 'AccessExclusiveLock'
                                                     AND relation = '${table}'::regclass)`;

Probe('a holder in a transaction older than lockTimeout: refused at once, named, not asked for', async (ctx) => {
  await withClients(ctx.db!.url, 3, async ([holder, maint, watch]) => {
    const hpid = await pidOf(holder!);
    await hold(holder!, 'probe_1');
    try {
      await untilOlder(watch!, hpid, '1s');
      const err = await pgError(maint!, lockAll('probe_1', '1s', 1));
      assert.is(err.code, '55P03');
      assert.match(err.message, `pid ${hpid} holds RowExclusiveLock on public.probe_1 in a transaction open for`);
      assert.not.match(err.message, 'lock_timeout', 'it asked for the lock and waited a lockTimeout');
    } finally {
      await holder!.query('COMMIT');
    }
  });
});

Probe('the holder\'s next transaction, young, later in the same maintenance transaction: asked for and taken', async (ctx) => {
  const holder = ctx.holders!.h2;
  await withClients(ctx.db!.url, 2, async ([maint, watch]) => {
    const mpid = await pidOf(maint!);
    const hpid = await pidOf(holder);
    await untilOlder(watch!, hpid, PATIENT);
    await maint!.query('BEGIN');
    try {
      // The first try refuses (the holder is old) and reads pg_stat_activity in this transaction.
      await maint!.query('SAVEPOINT first');
      const first = await pgError(maint!, lockAll('probe_2', PATIENT, 1));
      assert.match(first.message, `pid ${hpid} holds RowExclusiveLock on public.probe_2`);
      await maint!.query('ROLLBACK TO SAVEPOINT first');
      // The holder ends that transaction and starts another, holding the same lock.
      await holder.query('COMMIT');
      await hold(holder, 'probe_2');
      // The next try must see the young transaction and ask; the holder commits once it waits.
      const asked = maint!.query<{ tries: number }>(lockAll('probe_2', PATIENT, 1));
      await untilWaiting(watch!, mpid, hpid, { unless: asked });
      await holder.query('COMMIT');
      const r = await asked;
      assert.is(r.rows[0]!.tries, 1);
      assert.ok(await scalar<boolean>(watch!, holdsIt('probe_2'), [mpid]));
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      await maint!.query('ROLLBACK');
    }
  });
});

Probe('retries within one call: the holder\'s next transaction, begun during a back-off, is asked for and taken', async (ctx) => {
  const { h3: holder, k3: keeper } = ctx.holders!;
  await withClients(ctx.db!.url, 2, async ([maint, watch]) => {
    const mpid = await pidOf(maint!);
    const hpid = await pidOf(holder);
    const kpid = await pidOf(keeper);
    await untilOlder(watch!, hpid, PATIENT);
    await untilOlder(watch!, kpid, PATIENT);
    await maint!.query('BEGIN');
    try {
      // Tries enough to outlast the steps below many times over (the back-off grows to 1-2 s a try).
      const call = maint!.query<{ tries: number }>(lockAll('probe_3', PATIENT, 100));
      // The first try refuses the old holders and backs off (pg_sleep) ...
      await until('the call backs off from the old holders', () => scalar<boolean>(watch!, BACKING_OFF, [mpid]), { unless: call });
      // ... meanwhile the holder ends that transaction and starts another, holding the same lock;
      // the keeper, old, holds the table meanwhile, so no try can take it in between.
      await holder.query('COMMIT');
      await hold(holder, 'probe_3');
      await keeper.query('COMMIT');
      // A later try of the same call sees the young transaction and asks.
      await untilWaiting(watch!, mpid, hpid, { unless: call });
      await holder.query('COMMIT');
      const r = await call;
      assert.ok(r.rows[0]!.tries >= 2, `taken at try ${r.rows[0]!.tries}`);
      assert.ok(await scalar<boolean>(watch!, holdsIt('probe_3'), [mpid]));
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      await keeper.query('ROLLBACK').catch(() => {});
      await maint!.query('ROLLBACK');
    }
  });
});

// SHARE UPDATE EXCLUSIVE, what making a partition takes on the parents, conflicts with no
// reader or writer: it is asked for once with NOWAIT before any probe. Whatever that first
// request meets, the answer is the probe's.
Probe('SHARE UPDATE EXCLUSIVE: taken at once beside writers; behind an old holder refused, named, never queued; behind a young one, taken when it commits', async (ctx) => {
  const sue = (timeout: string) =>
    `SELECT parting._lock_all('${timeout}', 1, ARRAY['probe_4'::regclass, 'probe_1'::regclass], ARRAY['SHARE UPDATE EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE']) AS tries`;
  await ctx.db!.client.query('CREATE TABLE IF NOT EXISTS probe_4 (x int)');
  await withClients(ctx.db!.url, 4, async ([writer, holder, maint, watch]) => {
    const mpid = await pidOf(maint!);
    const hpid = await pidOf(holder!);
    await hold(writer!, 'probe_4');
    try {
      await maint!.query('BEGIN');
      assert.is((await maint!.query<{ tries: number }>(sue('1s'))).rows[0]!.tries, 1, 'a writer does not stop it');
      await maint!.query('ROLLBACK');

      await holder!.query('BEGIN');
      await holder!.query('LOCK TABLE probe_1 IN SHARE UPDATE EXCLUSIVE MODE');
      await untilOlder(watch!, hpid, '1s');
      const err = await pgError(maint!, sue('1s'));
      assert.is(err.code, '55P03');
      assert.match(err.message, `pid ${hpid} holds ShareUpdateExclusiveLock on public.probe_1 in a transaction open for`);
      assert.not.match(err.message, 'lock_timeout', 'it asked for the lock and waited a lockTimeout');
      await holder!.query('COMMIT');

      await holder!.query('BEGIN');
      await holder!.query('LOCK TABLE probe_1 IN SHARE UPDATE EXCLUSIVE MODE');
      await maint!.query('BEGIN');
      const asked = maint!.query<{ tries: number }>(sue(PATIENT));
      await untilWaiting(watch!, mpid, hpid, { unless: asked });
      await holder!.query('COMMIT');
      assert.is((await asked).rows[0]!.tries, 1);
      assert.equal((await watch!.query(`SELECT relation::regclass::text AS rel FROM pg_locks WHERE pid = $1 AND granted AND mode = 'ShareUpdateExclusiveLock' ORDER BY 1`, [mpid])).rows.map((r) => r.rel),
        ['probe_1', 'probe_4']);
      await maint!.query('COMMIT');
    } finally {
      await holder!.query('ROLLBACK').catch(() => {});
      await maint!.query('ROLLBACK').catch(() => {});
      await writer!.query('COMMIT');
    }
  });
});

Probe.run();
