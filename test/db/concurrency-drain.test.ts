// Draining the default partition and archiving go on while writers write, and no row is
// lost: writers insert a tweet and its star in one transaction (tweet first) into the
// current and next month and into month +4, which has no partition yet, so its rows land
// in the default partition and are drained in batches of 10 while the writers keep adding
// more there; during a warm-up only, they also write into old months, which are then
// archived. No insert fails, no deadlock, maintenance takes ACCESS EXCLUSIVE on tweet/star
// only while retiring, every committed row is found exactly once, each star in the
// same-suffix table as its tweet, and the default partitions end up empty.
//
// Every assertion is on counts, order and locks, never on timings.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { installed } from '../harness/install.js';
import { withClients } from '../harness/db.js';
import { logged, month, months, monthlyTweetStar, pidOf, rows, scalar } from './helpers.js';
import {
  assertConsistent, assertContiguous, checkRows, count, everyRow, family, insertPair, isParent, maintenanceHistory, newRecorder,
  startSampler, startWriters, timeIn, withRetention, type Failure,
} from './maintenance-helpers.js';

const Drain = suite('maintenance under concurrency: default-partition drain and archive');

Drain('writers during drain and archive: every row exactly once, star with tweet, no ACCESS EXCLUSIVE outside retire, no deadlock', async () => {
  const db = await logged('setup', () => installed('mc_drain_archive',
    withRetention(monthlyTweetStar({ default: true }), '2 months', 'archive')));
  try {
    const c = db.client;
    const [old5, old4, cur, next, plus4] = [month(-5), month(-4), month(0), month(1), month(4)];
    const s4 = plus4.suffix;
    const rec = newRecorder();
    for (const m of [old5, old4]) await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [m.key]);
    await c.query(`SELECT parting.ensure_partition('tweet')`); // current, +1, +2
    for (let i = 0; i < 10; i++) for (const m of [old5, old4]) await insertPair(c, timeIn(m, i), 'setup', rec);
    // Retention waits for the 'retire' phase; batches of 10 so the +4 drain takes several
    // transactions while writers keep adding +4 rows to the default partition. The last
    // batch and the retire steps lock the parents against the writers: with a lock timeout
    // this long they wait for the writers' transactions to end, however slow the machine,
    // where the default (300 ms) could see every try time out and the step skipped.
    const keep = await scalar<string>(c, `SELECT retention_keep FROM parting.config WHERE model = 'tweet'`);
    await c.query(`UPDATE parting.config SET retention_keep = NULL WHERE model = 'tweet'`);
    await c.query(`UPDATE parting.settings SET drain_batch = 10, lock_timeout = '60s'`);

    await withClients(db.url, 6, async (clients) => {
      const writers = clients.slice(0, 4);
      const maint = clients[4]!;
      const observer = clients[5]!;
      const maintPid = await pidOf(maint);
      const writerPids = await Promise.all(writers.map(pidOf));
      let phase = 'warmup';
      const WARMUP = 30;
      const warm = [old5, old4, cur, next, plus4, plus4];
      const live = [cur, next, plus4];
      const w = startWriters(writers, rec, (wi, i) =>
        timeIn(i < WARMUP ? warm[(wi + i) % warm.length]! : live[(wi + i) % live.length]!, i * 4 + wi));
      const sampler = startSampler(observer, [maintPid, ...writerPids], () => phase);
      try {

        // Old months get rows only during the warm-up: writes to a detached month would fail.
        await w.reached(WARMUP);
        const waitingBefore = await count(c, 'tweet_default');
        const callErrors: Failure[] = [];
        const call = () => maint.query(`CALL parting.run_maintenance('tweet')`).catch((e: { code?: string; message: string }) => {
          callErrors.push({ who: 'maintenance', code: e.code, message: e.message });
        });

        phase = 'create';
        for (let r = 0; r < 4; r++) { // premake 3, 4 (drains +4), 5, 6
          await maint.query(`UPDATE parting.config SET premake = premake + 1 WHERE model = 'tweet'`);
          await call();
        }
        phase = 'retire';
        await maint.query(`UPDATE parting.config SET retention_keep = $1 WHERE model = 'tweet'`, [keep]);
        await call();
        phase = 'cooldown';
        await w.stop(20);
        const samples = await sampler.stop();

        const hist = await maintenanceHistory(c);
        const byPhase = (p: string) => samples.filter((s) => s.phase === p);
        const maintParent = (p: string, mode: string) => byPhase(p).filter((s) => s.locks.some((l) => l.pid === maintPid && isParent(l) && l.mode === mode));
        const aeOutsideRetire = samples.filter((s) => s.phase !== 'retire' && s.phase !== 'mixed')
          .flatMap((s) => s.locks.filter((l) => l.pid === maintPid && isParent(l) && l.mode === 'AccessExclusiveLock'));
        const batches = hist.filter((h) => h.action === 'moved' && h.partition === `tweet_${s4}`);
        const unattachedBatches = batches.filter((h) => h.detail?.attached === false);
        const writerWaits = samples.reduce((n, s) => n + s.locks.filter((l) => l.pid !== maintPid && !l.granted).length, 0);
        console.log(`  drain and archive under load: ${rec.tweets.size} pairs committed (${rec.tweets.size - 20} by writers), ${w.failures.length} failed, `
          + `${waitingBefore} rows waiting in tweet_default before the drain, ${unattachedBatches.length} unattached drain batches of tweet_${s4} `
          + `(moved ${unattachedBatches.reduce((n, h) => n + Number((h.detail?.rows as Record<string, number>)?.tweet ?? 0), 0)} tweets), `
          + `${samples.length} lock samples (create ${byPhase('create').length}, retire ${byPhase('retire').length}), `
          + `maintenance EXCLUSIVE on a parent in ${maintParent('create', 'ExclusiveLock').length} create samples, `
          + `ACCESS EXCLUSIVE on a parent in ${maintParent('retire', 'AccessExclusiveLock').length} retire samples, `
          + `${writerWaits} ungranted writer lock requests seen`);

        // No failure, no deadlock, anywhere.
        assert.equal(w.failures, []);
        assert.equal(callErrors, []);
        assert.equal(hist.filter((h) => h.action === 'failed' || h.action === 'skipped'), []);
        assert.equal(hist.filter((h) => h.detail?.sqlstate === '40P01'), []);
        // Maintenance took ACCESS EXCLUSIVE on tweet/star only while retiring.
        assert.equal(aeOutsideRetire, [], 'no ACCESS EXCLUSIVE on tweet/star from maintenance outside the retire phase');
        // The drain really ran in batches while writers wrote into the default partition.
        assert.ok(waitingBefore > 10, `more than one batch waiting: ${waitingBefore}`);
        assert.ok(unattachedBatches.length >= 1, 'at least one batch moved before the attach');
        assert.is(hist.filter((h) => h.action === 'created' && h.partition === `tweet_${s4}`).length, 1);

        // Every committed row exactly once, each star with its tweet in the same-suffix table.
        const found = await everyRow(c);
        checkRows(found, rec, () => true);
        // +4 exists and holds its rows; nothing is left in the default partitions.
        const plus4Rels = [...new Set(found.tweets.filter((t) => t.created_at.toISOString().startsWith(plus4.key)).map((t) => t.rel))];
        assert.equal(plus4Rels, [`tweet_${s4}`]);
        assert.is(await count(c, 'tweet_default'), 0);
        assert.is(await count(c, 'star_default'), 0);
        // The old months are archived, their rows in archive.tweet / archive.star.
        const states = await rows<{ partition: string; state: string }>(c, `
          SELECT partition::text, state FROM parting.partitions() WHERE key IN ($1, $2) ORDER BY model DESC, key`,
          [old5.suffix, old4.suffix]);
        assert.equal(states, [
          { partition: `archive.tweet_${old5.suffix}`, state: 'archived' },
          { partition: `archive.tweet_${old4.suffix}`, state: 'archived' },
          { partition: `archive.star_${old5.suffix}`, state: 'archived' },
          { partition: `archive.star_${old4.suffix}`, state: 'archived' },
        ]);
        const oldRows = [...rec.tweets.values()].filter((ts) => ts.startsWith(old5.key) || ts.startsWith(old4.key)).length;
        assert.is(await count(c, 'archive.tweet'), oldRows);
        assert.is(await count(c, 'archive.star'), oldRows);
        // Detached star before tweet, each family under one lock set.
        const detached = hist.filter((h) => h.action === 'detached').map((h) => h.partition);
        assert.equal(detached, [`star_${old5.suffix}`, `tweet_${old5.suffix}`, `star_${old4.suffix}`, `tweet_${old4.suffix}`]);

        const f = await family(c);
        assertConsistent(f, 'after the runs');
        assertContiguous(f, 'after the runs');
        assert.equal(f.attachedTweets.map((t) => t.partition),
          months(0, 6).map((m) => `tweet_${m.suffix}`));
        assert.is(Number(await scalar(c, `SELECT count(*) FROM parting.offline WHERE state <> 'archived'`)), 0);
      } finally {
        await w.halt();
        await sampler.stop();
      }
    });
  } finally {
    await db.drop();
  }
});

Drain.run();
