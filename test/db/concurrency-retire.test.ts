// Retiring a partition never queues behind a long reader, so it never makes writers queue
// behind itself: while a transaction older than lock_timeout reads an old partition,
// run_maintenance does not even ask for the retire locks (a holder that old will not let go
// in time); after lock_tries tries it logs the step 'skipped' (55P03, naming the reader's
// pid) and leaves the family attached. Sampling pg_locks shows it never asked for ACCESS
// EXCLUSIVE and never waited for a lock while the reader held its own, and writers kept
// committing meanwhile. Once the reader commits, the next run detaches the family; no
// committed row is lost.
//
// Every assertion is on counts, order and locks, never on timings.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { installed } from '../harness/install.js';
import { withClients } from '../harness/db.js';
import { column, logged, month, monthlyTweetStar, pidOf, rows, scalar, sleep } from './helpers.js';
import {
  assertConsistent, checkRows, everyRow, family, insertPair, maintenanceHistory, newRecorder, startSampler, startWriters, timeIn,
  withRetention, type Sample,
} from './maintenance-helpers.js';

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
    await c.query(`UPDATE parting.config SET lock_timeout = '200ms', lock_tries = 4 WHERE model = 'tweet'`);

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
      try {
        await w.reached(5);

        await holder.query('BEGIN');
        // A reader of the old month, through the parent (ACCESS SHARE on tweet and, pruned,
        // on tweet_<old> only) and directly.
        assert.is(Number(await scalar(holder, `SELECT count(*) FROM tweet WHERE created_at >= $1 AND created_at < $2`,
          [old5.lower, month(-4).lower])), 10);
        assert.is(Number(await scalar(holder, `SELECT count(*) FROM tweet_${so}`)), 10);
        // Wait (server clock) until the reader's transaction is older than twice lock_timeout.
        for (let spin = 0; spin < 500; spin++) {
          const old = await scalar<boolean>(observer, `SELECT xact_start < clock_timestamp() - interval '400ms' FROM pg_stat_activity WHERE pid = $1`, [holderPid]);
          if (old) break;
          await sleep(20);
        }

        phase = 'maintenance';
        const commitsBefore = w.commits.length;
        const started = Date.now();
        await maint.query(`CALL parting.run_maintenance('tweet')`);
        const ended = Date.now();
        phase = 'after';
        const duringJs = w.commits.filter((k) => k.sent >= started && k.acked <= ended).length;
        const samplesDuring = sampler.samples.filter((s) => s.phase === 'maintenance');

        const skipped = await rows<{ partition: string; detail: Record<string, string>; started: Date; at: Date }>(c, `
          SELECT partition, detail, at - duration AS started, at FROM parting.history WHERE action = 'skipped' ORDER BY id`);
        const stillAttached = await column<string>(c, `SELECT partition::text FROM parting.partitions() WHERE key = $1 AND state = 'attached' ORDER BY 1`, [so]);
        // Server-side: writer rows inserted while the skipped step was trying for its locks.
        const duringServer = skipped.length === 0 ? 0 : Number(await scalar(c, `
          SELECT count(*) FROM tweet WHERE "user" LIKE 'w%' AND (json->>'at')::timestamptz BETWEEN $1 AND $2`,
          [skipped[0]!.started, skipped[0]!.at]));

        const mineDuring = samplesDuring.flatMap((s) => s.locks.filter((l) => l.pid === maintPid));
        const aeRequests = mineDuring.filter((l) => l.mode === 'AccessExclusiveLock');
        const holds = (s: Sample, rel: string) => s.locks.some((l) => l.pid === holderPid && l.nspname === 'public' && l.relname === rel && l.mode === 'AccessShareLock' && l.granted);
        const holderSeen = samplesDuring.filter((s) => holds(s, `tweet_${so}`) && holds(s, 'tweet')).length;
        const holderOther = samplesDuring.flatMap((s) => s.locks.filter((l) => l.pid === holderPid && /^(tweet|star)_(\d{4}_\d{2}|default)$/.test(l.relname ?? '') && l.relname !== `tweet_${so}`));
        console.log(`  retire behind a reader: skipped ${JSON.stringify(skipped.map((s) => ({ partition: s.partition, ...s.detail })))}; `
          + `${duringJs} writer commits during the call (JS), ${duringServer} writer inserts inside the skipped step (server clock), `
          + `${samplesDuring.length} lock samples during it (${holderSeen} show the reader's ACCESS SHARE on tweet and tweet_${so}), `
          + `${aeRequests.length} ACCESS EXCLUSIVE locks/requests from maintenance`);

        assert.is(skipped.length, 1, 'one skipped step');
        assert.is(skipped[0]!.detail.sqlstate, '55P03');
        assert.is(skipped[0]!.detail.step, 'retire');
        assert.ok([so, `tweet_${so}`].includes(skipped[0]!.partition), `skipped row names the partition: ${skipped[0]!.partition}`);
        assert.ok(skipped[0]!.detail.error!.includes(`pid ${holderPid}`) || skipped[0]!.detail.error!.includes('lock_timeout'),
          skipped[0]!.detail.error);
        assert.equal(stillAttached, [`star_${so}`, `tweet_${so}`]);
        assert.ok(holderSeen > 0, 'the sampler saw the reader hold ACCESS SHARE on tweet and its old partition while maintenance ran');
        assert.equal(holderOther, [], 'the reader holds nothing on the writers\' partitions');
        assert.equal(aeRequests, [], 'maintenance never asked for ACCESS EXCLUSIVE while the reader was older than lock_timeout');
        assert.equal(mineDuring.filter((l) => !l.granted), [], 'maintenance never queued for a lock');
        assert.ok(duringServer > 0, 'writers inserted while maintenance was trying');
        assert.equal(w.failures, []);
        assert.is(w.commits.length > commitsBefore, true);

        // The reader ends: the next run detaches the family.
        await holder.query('COMMIT');
        phase = 'second';
        await maint.query(`CALL parting.run_maintenance('tweet')`);
        phase = 'done';
        await w.stop(10);
        await sampler.stop();
        const states = await rows(c, `SELECT partition::text, state FROM parting.partitions() WHERE key = $1 ORDER BY 1`, [so]);
        assert.equal(states, [{ partition: `star_${so}`, state: 'detached' }, { partition: `tweet_${so}`, state: 'detached' }]);
        const hist = await maintenanceHistory(c);
        assert.equal(hist.filter((h) => h.action === 'failed'), []);
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
