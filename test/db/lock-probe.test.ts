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

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { withClients, type FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { monthlyTweetStar, pgError, pidOf, scalar, sleep } from './helpers.js';

const Probe = suite<{ db?: FreshDatabase }>('lock probe: a holder older than lockTimeout is not asked for; a young one is', {});

Probe.before(async (ctx) => {
  ctx.db = await installed('lock_probe', monthlyTweetStar());
  await ctx.db.client.query('CREATE TABLE probe_t (x int)');
});
Probe.after(async (ctx) => ctx.db?.drop());

const LOCK_ALL = `SELECT parting._lock_all('1s', 1, ARRAY['probe_t'::regclass], ARRAY['ACCESS EXCLUSIVE'])`;

/** Opens a transaction on `c` holding ROW EXCLUSIVE on probe_t (what a writer holds) and waits until it is older than 1 s. */
async function oldHolder(c: pg.Client): Promise<void> {
  await c.query('BEGIN');
  await c.query('LOCK TABLE probe_t IN ROW EXCLUSIVE MODE');
  await c.query(`SELECT pg_sleep(1.2)`);
}

/** 'yes' once `sql` (one boolean, $1 = pid) is true, or what `call` came to first. */
async function whenOr(c: pg.Client, sql: string, pid: number, call: Promise<unknown>): Promise<string> {
  let done: string | null = null;
  void call.then(() => { done = 'returned first'; }, (e: Error) => { done = `failed: ${e.message}`; });
  while (done === null) {
    if (await scalar<boolean>(c, sql, [pid])) return 'yes';
    await sleep(5);
  }
  return done;
}

const WAITS_FOR_LOCK = `SELECT EXISTS (SELECT FROM pg_locks WHERE pid = $1 AND NOT granted AND relation = 'probe_t'::regclass)`;
const BACKING_OFF = `SELECT EXISTS (SELECT FROM pg_stat_activity WHERE pid = $1 AND wait_event = 'PgSleep')`;
const HOLDS_IT = `SELECT EXISTS (SELECT FROM pg_locks WHERE pid = $1 AND granted AND mode = 'AccessExclusiveLock'
                                   AND relation = 'probe_t'::regclass)`;

Probe('a holder in a transaction older than lockTimeout: refused at once, named, not asked for', async (ctx) => {
  await withClients(ctx.db!.url, 2, async ([holder, maint]) => {
    const hpid = await pidOf(holder!);
    await oldHolder(holder!);
    try {
      const err = await pgError(maint!, LOCK_ALL);
      assert.is(err.code, '55P03');
      assert.match(err.message, `pid ${hpid} holds RowExclusiveLock on public.probe_t in a transaction open for`);
      assert.not.match(err.message, 'lock_timeout', 'it asked for the lock and waited a lockTimeout');
    } finally {
      await holder!.query('COMMIT');
    }
  });
});

Probe('the holder\'s next transaction, young, later in the same maintenance transaction: asked for and taken', async (ctx) => {
  await withClients(ctx.db!.url, 3, async ([holder, maint, watch]) => {
    const mpid = await pidOf(maint!);
    await oldHolder(holder!);
    await maint!.query('BEGIN');
    try {
      // The first try refuses (the holder is old) and reads pg_stat_activity in this transaction.
      await maint!.query('SAVEPOINT first');
      const first = await pgError(maint!, LOCK_ALL);
      assert.match(first.message, 'holds RowExclusiveLock on public.probe_t');
      await maint!.query('ROLLBACK TO SAVEPOINT first');
      // The holder ends that transaction and starts another, holding the same lock.
      await holder!.query('COMMIT');
      await holder!.query('BEGIN');
      await holder!.query('LOCK TABLE probe_t IN ROW EXCLUSIVE MODE');
      // The next try must see the young transaction and ask; the holder commits once it does.
      const asked = maint!.query<{ tries: number }>(`${LOCK_ALL} AS tries`);
      assert.is(await whenOr(watch!, WAITS_FOR_LOCK, mpid, asked), 'yes');
      await holder!.query('COMMIT');
      const r = await asked;
      assert.is(r.rows[0]!.tries, 1);
      assert.ok(await scalar<boolean>(watch!, HOLDS_IT, [mpid]));
    } finally {
      await holder!.query('ROLLBACK').catch(() => {});
      await maint!.query('ROLLBACK');
    }
  });
});

Probe('retries within one call: the holder\'s next transaction, begun during a back-off, is asked for and taken', async (ctx) => {
  await withClients(ctx.db!.url, 3, async ([holder, maint, watch]) => {
    const mpid = await pidOf(maint!);
    await oldHolder(holder!);
    await maint!.query('BEGIN');
    try {
      const call = maint!.query<{ tries: number }>(
        `SELECT parting._lock_all('1s', 5, ARRAY['probe_t'::regclass], ARRAY['ACCESS EXCLUSIVE']) AS tries`);
      // The first try refuses the old holder and backs off (pg_sleep) ...
      assert.is(await whenOr(watch!, BACKING_OFF, mpid, call), 'yes');
      // ... meanwhile the holder ends that transaction and starts another, holding the same lock.
      await holder!.query('COMMIT');
      await holder!.query('BEGIN');
      await holder!.query('LOCK TABLE probe_t IN ROW EXCLUSIVE MODE');
      // A later try of the same call sees the young transaction and asks.
      assert.is(await whenOr(watch!, WAITS_FOR_LOCK, mpid, call), 'yes');
      await holder!.query('COMMIT');
      const r = await call;
      assert.ok(r.rows[0]!.tries >= 2, `taken at try ${r.rows[0]!.tries}`);
      assert.ok(await scalar<boolean>(watch!, HOLDS_IT, [mpid]));
    } finally {
      await holder!.query('ROLLBACK').catch(() => {});
      await maint!.query('ROLLBACK');
    }
  });
});

Probe.run();
