// Retiring a partition never queues behind a long reader, so it never makes writers queue
// behind itself: while a transaction older than lock_timeout reads an old partition,
// run_maintenance does not even ask for the retire locks (a holder that old will not let go
// in time); after lock_tries tries it logs the step 'skipped' (55P03, naming the reader's
// pid) and leaves the family attached. Sampling pg_locks shows it never asked for ACCESS
// EXCLUSIVE and never waited for a lock while the reader held its own. Then a run with tries
// enough to outlast the test keeps trying behind the reader while the writers commit more
// rows; once the reader commits, that run detaches the family; no committed row is lost.
//
// Every assertion is on counts, order and locks, never on timings: the reader's locks are
// read before and after the run (a transaction keeps them to its end), and the writers'
// commits are counted while the second run is seen backing off from the reader.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { installed } from '../harness/install.js';
import { withClients } from '../harness/db.js';
import { column, logged, month, monthlyTweetStar, pidOf, rows, scalar } from './helpers.js';
import {
  assertConsistent, checkRows, everyRow, family, insertPair, maintenanceHistory, newRecorder, startSampler, startWriters, timeIn,
  withRetention,
} from './maintenance-helpers.js';
import { locksOf, until, untilOlder } from './wait.js';

const Retire = suite('maintenance under concurrency: retire behind a long reader');

Retire('a long transaction on an old partition: retire skipped (55P03) without asking for ACCESS EXCLUSIVE, writers go on; then detached', async () => {
  const db = await logged('setup', () => installed('mc_lockqueue',
    withRetention(monthlyTweetStar({ default: false }), '2 months', 'detach')));
  try {
    const c = db.client;
    const [old5, cur, next] = [month(-5), month(0), month(1)];
    const so = old5.suffix;
    const rec = newRecorder();
    await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [old5.key]);
    await c.query(`SELECT parting.ensure_partition('tweet')`);
    for (let i = 0; i < 10; i++) await insertPair(c, timeIn(old5, i), 'setup', rec);
    await c.query(`UPDATE parting.settings SET lock_timeout = '200ms', lock_tries = 4`);

    await withClients(db.url, 7, async (clients) => {
      const writers = clients.slice(0, 4);
      const maint = clients[4]!;
      const observer = clients[5]!;
      const holder = clients[6]!;
      const maintPid = await pidOf(maint);
      const holderPid = await pidOf(holder);
      let phase = 'before';
      const w = startWriters(writers, rec, (wi, i) => timeIn([cur, next][(wi + i) % 2]!, i * 4 + wi));
      const sampler = startSampler(observer, [maintPid, holderPid], () => phase);
      /** The reader's locks on the month's partition and the parent, and on any partition writers use. */
      const readerLocks = async () => {
        const held = (await locksOf(observer, holderPid)).filter((l) => l.granted && /^(tweet|star)(_(\d{4}_\d{2}|default))?$/.test(l.rel));
        return {
          onOld: ['tweet', `tweet_${so}`].every((rel) => held.some((l) => l.rel === rel && l.mode === 'AccessShareLock')),
          others: held.filter((l) => l.rel !== 'tweet' && l.rel !== `tweet_${so}`).map((l) => `${l.mode} ${l.rel}`),
        };
      };
      try {
        await w.reached(5);

        await holder.query('BEGIN');
        // A reader of the old month, through the parent (ACCESS SHARE on tweet and, pruned,
        // on tweet_<old> only) and directly.
        assert.is(Number(await scalar(holder, `SELECT count(*) FROM tweet WHERE created_at >= $1 AND created_at < $2`,
          [old5.lower, month(-4).lower])), 10);
        assert.is(Number(await scalar(holder, `SELECT count(*) FROM tweet_${so}`)), 10);
        // Older than twice lock_timeout by the server's clock: no try asks for the locks.
        await untilOlder(observer, holderPid, '400ms');
        assert.equal(await readerLocks(), { onOld: true, others: [] }, 'the reader holds the old month, nothing writers use');

        phase = 'maintenance';
        await maint.query(`CALL parting.run_maintenance('tweet')`);
        phase = 'after';
        // Still held after the run, so held all through it: a transaction keeps its locks to its end.
        assert.equal(await readerLocks(), { onOld: true, others: [] }, 'the reader held the old month while maintenance ran');

        const skipped = await rows<{ partition: string; detail: Record<string, string> }>(c, `
          SELECT partition, detail FROM parting.history WHERE action = 'skipped' ORDER BY id`);
        const stillAttached = await column<string>(c, `SELECT partition::text FROM parting.partitions() WHERE key = $1 AND state = 'attached' ORDER BY 1`, [so]);
        const mine = (p: string) => sampler.samples.filter((x) => x.phase === p).flatMap((x) => x.locks.filter((l) => l.pid === maintPid));
        assert.is(skipped.length, 1, 'one skipped step');
        assert.is(skipped[0]!.detail.sqlstate, '55P03');
        assert.is(skipped[0]!.detail.step, 'retire');
        assert.ok([so, `tweet_${so}`].includes(skipped[0]!.partition), `skipped row names the partition: ${skipped[0]!.partition}`);
        assert.ok(skipped[0]!.detail.error!.includes(`pid ${holderPid}`) || skipped[0]!.detail.error!.includes('lock_timeout'),
          skipped[0]!.detail.error);
        assert.equal(stillAttached, [`star_${so}`, `tweet_${so}`]);
        assert.equal(mine('maintenance').filter((l) => l.mode === 'AccessExclusiveLock'), [],
          'maintenance never asked for ACCESS EXCLUSIVE while the reader was older than lock_timeout');
        assert.equal(mine('maintenance').filter((l) => !l.granted), [], 'maintenance never queued for a lock');
        assert.equal(w.failures, []);

        // A run that keeps trying (100 tries, the most a config allows: over a minute and a
        // half of back-off): the writers commit more rows while it backs off from the reader.
        await c.query(`UPDATE parting.settings SET lock_tries = 100`);
        phase = 'trying';
        const second = maint.query(`CALL parting.run_maintenance('tweet')`);
        await until('the run backs off from the reader', () =>
          scalar<boolean>(observer, `SELECT wait_event = 'PgSleep' FROM pg_stat_activity WHERE pid = $1`, [maintPid]), { unless: second });
        const committed = w.committed();
        await until('the writers commit while the run tries', () => w.committed() >= committed + 2 * writers.length, { unless: second });
        assert.equal(w.failures, []);
        // The writers stop and the reader ends: the next try takes the locks and detaches the family.
        await w.stop(1);
        phase = 'released';
        await holder.query('COMMIT');
        await second;
        phase = 'done';
        await sampler.stop();
        assert.equal(mine('trying').filter((l) => l.mode === 'AccessExclusiveLock' || !l.granted), [],
          'no ACCESS EXCLUSIVE asked for, and no lock waited for, while the reader held its own');
        const states = await rows(c, `SELECT partition::text, state FROM parting.partitions() WHERE key = $1 ORDER BY 1`, [so]);
        assert.equal(states, [{ partition: `star_${so}`, state: 'detached' }, { partition: `tweet_${so}`, state: 'detached' }]);
        const hist = await maintenanceHistory(c);
        assert.equal(hist.filter((h) => h.action === 'failed'), []);
        assert.equal(hist.filter((h) => h.action === 'skipped').length, 1, 'the second run did not give up');
        assert.equal(hist.filter((h) => h.action === 'detached').map((h) => h.partition), [`star_${so}`, `tweet_${so}`]);
        assert.equal(w.failures, []);
        checkRows(await everyRow(c), rec, () => true);
        assertConsistent(await family(c), 'after the reader ended');
      } finally {
        await w.halt();
        await sampler.stop();
      }
    });
  } finally {
    await db.drop();
  }
});

Retire.run();
