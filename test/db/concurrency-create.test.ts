// Creating partitions never blocks writers: four writers insert tweet/star pairs into the
// current and next month while run_maintenance, raised premake after premake, creates new
// families. Sampling pg_locks shows the maintenance backend takes only ACCESS SHARE and
// SHARE UPDATE EXCLUSIVE on the parents (never EXCLUSIVE or ACCESS EXCLUSIVE: there is no
// default partition), at most ACCESS SHARE on the writers' partitions, and never waits for
// a lock. The first run is held at a known point, its SHARE UPDATE EXCLUSIVE on tweet granted
// while it waits for star's, which another session holds: the locks seen there prove the
// sampler's query sees maintenance's locks. Every committed row is found exactly once and
// the partitions stay whole and contiguous.
//
// Every assertion is on counts, order and locks, never on timings.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { installed } from '../harness/install.js';
import { withClients, type FreshDatabase } from '../harness/db.js';
import { logged, month, monthlyTweetStar, pidOf, scalar } from './helpers.js';
import { locksOf, untilWaiting } from './wait.js';
import {
  assertConsistent, assertContiguous, checkRows, everyRow, family, isParent, maintenanceHistory, newRecorder, startSampler,
  startWriters, timeIn,
} from './maintenance-helpers.js';

const Create = suite('maintenance under concurrency: partition creation');

Create('creating partitions while four writers write: only SHARE UPDATE EXCLUSIVE on the parents, no row lost', async () => {
  const db: FreshDatabase = await logged('setup', () => installed('mc_create', monthlyTweetStar({ default: false })));
  try {
    const c = db.client;
    const cur = month(0);
    const next = month(1);
    await c.query(`SELECT parting.ensure_partition('tweet')`); // current and premake 2 ahead
    const writersParts = [cur, next].flatMap((m) => [`tweet_${m.suffix}`, `star_${m.suffix}`]);

    // A lock timeout no wait here comes near: the held run waits until the holder lets go.
    await c.query(`UPDATE parting.settings SET lock_timeout = '300s'`);

    await withClients(db.url, 8, async (clients) => {
      const writers = clients.slice(0, 4);
      const maint = clients[4]!;
      const observer = clients[5]!;
      const holder = clients[6]!;
      const watch = clients[7]!;
      const maintPid = await pidOf(maint);
      let phase = 'warmup';
      const rec = newRecorder();
      const w = startWriters(writers, rec, (wi, i) => timeIn([cur, next][(wi + i) % 2]!, i * 4 + wi));
      const sampler = startSampler(observer, [maintPid], () => phase);
      try {
        await w.reached(10);
        const callErrors: string[] = [];
        const run = async () => {
          await maint.query(`UPDATE parting.config SET premake = premake + 3 WHERE model = 'tweet'`);
          await maint.query(`CALL parting.run_maintenance('tweet')`).catch((e: Error) => callErrors.push(e.message));
        };
        // The first run, held: a family's locks are SHARE UPDATE EXCLUSIVE on tweet, then on
        // star, which this session holds; the run waits there, holding tweet's.
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE star IN SHARE UPDATE EXCLUSIVE MODE');
        phase = 'held';
        const first = run();
        await untilWaiting(watch, maintPid, await pidOf(holder), { unless: first });
        const held = await locksOf(watch, maintPid);
        await holder.query('ROLLBACK');
        await first;
        // Three more, raising premake each time, while the writers write.
        phase = 'create';
        const rounds = 4;
        for (let r = 1; r < rounds; r++) await run();
        phase = 'cooldown';
        await w.stop(10);
        const samples = await sampler.stop();

        const during = samples.filter((s) => s.phase === 'create' || s.phase === 'held');
        const mine = during.flatMap((s) => s.locks.filter((l) => l.pid === maintPid));
        const onParents = mine.filter(isParent);
        const modes = [...new Set(onParents.map((l) => l.mode))].sort();
        const premake = Number(await scalar(c, `SELECT premake FROM parting.config WHERE model = 'tweet'`));
        const hist = await maintenanceHistory(c);
        console.log(`  creation under load: ${rec.tweets.size} pairs committed, ${w.failures.length} failed, ${rounds} maintenance rounds (premake 2 → ${premake}), `
          + `${samples.length} lock samples (${during.length} during creation), maintenance modes on parents: ${modes.join(', ')}`);

        assert.equal(callErrors, []);
        assert.equal(w.failures, []);
        // Where the first run was held: tweet's SHARE UPDATE EXCLUSIVE granted, star's asked for.
        assert.equal(held.filter((l) => (l.rel === 'tweet' || l.rel === 'star') && l.mode === 'ShareUpdateExclusiveLock').map((l) => `${l.rel} ${l.mode} ${l.granted}`),
          ['star ShareUpdateExclusiveLock false', 'tweet ShareUpdateExclusiveLock true'], JSON.stringify(held));
        assert.equal(onParents.filter((l) => l.mode === 'AccessExclusiveLock'), [], 'no ACCESS EXCLUSIVE on tweet/star from maintenance');
        assert.equal(onParents.filter((l) => l.mode === 'ExclusiveLock'), [], 'no EXCLUSIVE on tweet/star from maintenance (there is no default partition)');
        assert.equal(onParents.filter((l) => !['AccessShareLock', 'ShareUpdateExclusiveLock'].includes(l.mode)), []);
        // The partitions the writers use: at most ACCESS SHARE (sizes read by the plan).
        assert.equal(mine.filter((l) => writersParts.includes(l.relname ?? '') && l.mode !== 'AccessShareLock'), []);
        // Only for the lock the test held.
        assert.equal(mine.filter((l) => !l.granted && !(l.relname === 'star' && l.mode === 'ShareUpdateExclusiveLock')), [],
          'maintenance never waited for a lock but the one the test held');

        checkRows(await everyRow(c), rec, (u) => u.startsWith('w'));
        const f = await family(c);
        assertConsistent(f, 'after the runs');
        assertContiguous(f, 'after the runs');
        assert.is(f.attachedTweets.length, premake + 1, 'current month and premake ahead');
        assert.is(f.attachedTweets[0]!.partition, `tweet_${cur.suffix}`);
        assert.equal(hist.filter((h) => h.action === 'failed' || h.action === 'skipped'), []);
        // ensure_partition made current .. +2, the runs the rest: one 'created' row per table.
        assert.is(hist.filter((h) => h.action === 'created').length, 2 * (premake + 1));
        assert.is(hist.filter((h) => h.action === 'maintained').length, rounds);
      } finally {
        await w.halt();
        await sampler.stop();
      }
    });
  } finally {
    await db.drop();
  }
});

Create.run();
