// Before each try for its locks, maintenance looks for a holder that will not let go within
// lockTimeout (a conflicting lock in a transaction already older than that) and, if there is
// one, does not ask: the request would only stall the writers queued behind it. These tests
// hold a lock from another session and call parting._lock_all, the routine every step takes
// its locks through:
// - a holder older than lockTimeout: refused at once, naming it, and never asked for (asking
//   would end in 'lock_timeout expired' after a whole lockTimeout);
// - the same holder's next, young transaction, seen later in the same maintenance
//   transaction: asked for, and taken once the holder commits. PostgreSQL keeps the
//   pg_stat_activity a transaction first read until it ends, so a probe that reused it would
//   date the new transaction from the old one's start and never ask again.

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

/** 'waiting' once `pid` waits for a lock on probe_t, or what `call` came to first. */
async function waitingOr(c: pg.Client, pid: number, call: Promise<unknown>): Promise<string> {
  let done: string | null = null;
  void call.then(() => { done = 'returned without asking'; }, (e: Error) => { done = `failed: ${e.message}`; });
  while (done === null) {
    const n = Number(await scalar(c, `SELECT count(*) FROM pg_locks WHERE pid = $1 AND NOT granted AND relation = 'probe_t'::regclass`, [pid]));
    if (n > 0) return 'waiting';
    await sleep(10);
  }
  return done;
}

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
      assert.is(await waitingOr(watch!, mpid, asked), 'waiting');
      await holder!.query('COMMIT');
      const r = await asked;
      assert.is(r.rows[0]!.tries, 1);
      assert.ok(await scalar<boolean>(watch!, `SELECT EXISTS (SELECT FROM pg_locks WHERE pid = $1 AND granted AND mode = 'AccessExclusiveLock'
                                                            AND relation = 'probe_t'::regclass)`, [mpid]));
    } finally {
      await holder!.query('ROLLBACK').catch(() => {});
      await maint!.query('ROLLBACK');
    }
  });
});

Probe.run();
