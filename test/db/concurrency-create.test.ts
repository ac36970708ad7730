// Creating partitions never blocks writers: four writers insert tweet/star pairs into the
// current and next month while run_maintenance, raised premake after premake, creates new
// families. Sampling pg_locks shows the maintenance backend takes only ACCESS SHARE and
// SHARE UPDATE EXCLUSIVE on the parents (never EXCLUSIVE or ACCESS EXCLUSIVE: there is no
// default partition), at most ACCESS SHARE on the writers' partitions, and never waits for
// a lock. That the sampler caught a SHARE UPDATE EXCLUSIVE at all proves it sees the locks.
// Every committed row is found exactly once and the partitions stay whole and contiguous.
//
// Every assertion is on counts, order and locks, never on timings.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { installed } from '../harness/install.js';
import { withClients, type FreshDatabase } from '../harness/db.js';
import { logged, month, monthlyTweetStar, pidOf, scalar } from './helpers.js';
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

    await withClients(db.url, 6, async (clients) => {
      const writers = clients.slice(0, 4);
      const maint = clients[4]!;
      const observer = clients[5]!;
      const maintPid = await pidOf(maint);
      let phase = 'warmup';
      const rec = newRecorder();
      const w = startWriters(writers, rec, (wi, i) => timeIn([cur, next][(wi + i) % 2]!, i * 4 + wi));
      // Sampled every ~5 ms here: a family's SHARE UPDATE EXCLUSIVE is held only from its
      // ATTACH to its COMMIT, and this test must catch one to prove the sampler sees it.
      const sampler = startSampler(observer, [maintPid], () => phase, 5);
      try {
        const sawSue = () => sampler.samples.some((s) => s.phase === 'create' && s.locks.some(
          (l) => l.pid === maintPid && isParent(l) && l.mode === 'ShareUpdateExclusiveLock' && l.granted));

        await w.reached(10);
        phase = 'create';
        let rounds = 0;
        const callErrors: string[] = [];
        // Raise premake and run, until the sampler has caught a creation in the act.
        for (; rounds < 40 && (rounds < 3 || !sawSue()); rounds++) {
          await maint.query(`UPDATE parting.config SET premake = premake + 3 WHERE model = 'tweet'`);
          await maint.query(`CALL parting.run_maintenance('tweet')`).catch((e: Error) => callErrors.push(e.message));
        }
        phase = 'cooldown';
        await w.stop(10);
        const samples = await sampler.stop();

        const during = samples.filter((s) => s.phase === 'create');
        const mine = during.flatMap((s) => s.locks.filter((l) => l.pid === maintPid));
        const onParents = mine.filter(isParent);
        const modes = [...new Set(onParents.map((l) => l.mode))].sort();
        const sueSamples = during.filter((s) => s.locks.some((l) => l.pid === maintPid && isParent(l) && l.mode === 'ShareUpdateExclusiveLock')).length;
        const premake = Number(await scalar(c, `SELECT premake FROM parting.config WHERE model = 'tweet'`));
        const hist = await maintenanceHistory(c);
        console.log(`  creation under load: ${rec.tweets.size} pairs committed, ${w.failures.length} failed, ${rounds} maintenance rounds (premake 2 → ${premake}), `
          + `${samples.length} lock samples (${during.length} during creation, ${sueSamples} with SHARE UPDATE EXCLUSIVE on a parent), `
          + `maintenance modes on parents: ${modes.join(', ')}`);

        assert.equal(callErrors, []);
        assert.equal(w.failures, []);
        assert.ok(sawSue(), 'the sampler saw the maintenance backend hold SHARE UPDATE EXCLUSIVE on a parent (it works)');
        assert.equal(onParents.filter((l) => l.mode === 'AccessExclusiveLock'), [], 'no ACCESS EXCLUSIVE on tweet/star from maintenance');
        assert.equal(onParents.filter((l) => l.mode === 'ExclusiveLock'), [], 'no EXCLUSIVE on tweet/star from maintenance (there is no default partition)');
        assert.equal(onParents.filter((l) => !['AccessShareLock', 'ShareUpdateExclusiveLock'].includes(l.mode)), []);
        // The partitions the writers use: at most ACCESS SHARE (sizes read by the plan).
        assert.equal(mine.filter((l) => writersParts.includes(l.relname ?? '') && l.mode !== 'AccessShareLock'), []);
        assert.equal(mine.filter((l) => !l.granted), [], 'maintenance never waited for a lock');

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
