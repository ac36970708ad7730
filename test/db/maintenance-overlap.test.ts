// run_maintenance never runs twice at once: while run A is under way, a second call C
// returns at once with a NOTICE naming A's pid and logs nothing. A gives up on its retire
// step's locks (a reader, B, holds the month) after lock_tries and logs the retire 'skipped'
// with who holds what, leaving the family untouched; with the reader gone, the next run
// retires it.
//
// A is held at a known point, not caught in passing: a history row older than historyKeep,
// locked by another session, which A's pruning at its very end must delete. A waits there,
// holding the run guard, until the test lets go.
//
// now() is real, so every key is a month counted from the current UTC month (month(k)).

import * as assert from 'uvu/assert';
import { withClients } from '../harness/db.js';
import { column, ensure, month, months, monthlyTweetStar, pidOf } from './helpers.js';
import {
  call, count, createdLines, dbSuite, historySince, insertPairs, lastHistoryId, lines, stateOf, withRetention,
} from './maintenance-helpers.js';
import { untilWaiting } from './wait.js';

const OLDEST = month(-5);

const Overlap = dbSuite('run_maintenance: a second run while one is under way does nothing', 'maint_overlap',
  withRetention(monthlyTweetStar({ premake: 2, initial: false }), '2 months', 'detach'),
  async (c) => {
    await ensure(c, 'tweet', OLDEST.key);
    await insertPairs(c, OLDEST, 2);
    await c.query(`UPDATE parting.settings SET lock_timeout = '200ms', lock_tries = 6`);
  });

Overlap("A's retire backs off from B's lock; C returns at once with the NOTICE; A logs the retire 'skipped'", async (ctx) => {
  const url = ctx.db!.url;
  const main = ctx.db!.client;
  // Older than historyKeep (30 days): A's pruning deletes it, last of all it does. Logged as
  // 'quarantined', an action nothing else in this test writes.
  await main.query(`INSERT INTO parting.history (at, model, action) VALUES (now() - interval '40 days', 'tweet', 'quarantined')`);
  const since = await lastHistoryId(main);
  await withClients(url, 5, async ([a, b, cc, gate, observer]) => {
    const aPid = await pidOf(a!);
    const bPid = await pidOf(b!);
    const gatePid = await pidOf(gate!);
    const notices: string[] = [];
    cc!.on('notice', (n) => notices.push(n.message ?? ''));

    await b!.query('BEGIN');
    await gate!.query('BEGIN');
    let aDone = false;
    let aRun: Promise<void> | undefined;
    try {
      await b!.query(`SELECT count(*) FROM tweet_${OLDEST.suffix}`); // ACCESS SHARE until B ends
      await gate!.query(`SELECT FROM parting.history WHERE action = 'quarantined' FOR UPDATE`);
      aRun = call(a!).finally(() => { aDone = true; });
      aRun.catch(() => {});
      // A has done its steps and waits, guard held, to prune the row the gate holds.
      await untilWaiting(observer!, aPid, gatePid, { unless: aRun });
      assert.equal(await column(observer!, `SELECT pid FROM parting.run_guard`), [aPid], 'A holds the run guard');
      await call(cc!);
      assert.not.ok(aDone, 'A is still running (held up by the gate) when C returns');
      assert.is(notices.length, 1, notices.join('\n'));
      assert.match(notices[0]!, new RegExp(`^parting\\.run_maintenance is already running \\(pid ${aPid}, postgres, since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\): this call does nothing$`));
      await gate!.query('COMMIT');
      await aRun;
    } finally {
      await gate!.query('ROLLBACK').catch(() => {});
      await aRun?.catch(() => {});
      await b!.query('COMMIT');
    }
    assert.equal(await column(observer!, `SELECT count(*)::int FROM parting.history WHERE action = 'quarantined'`), [0], 'A pruned the old row');

    const h = await historySince(observer!, since);
    assert.equal(lines(h), [...createdLines(months(0, 2)), ...createdLines([month(-2), month(-1)]), `skipped tweet tweet_${OLDEST.suffix}`, 'maintained tweet']);
    const skipped = h.find((r) => r.action === 'skipped')!;
    assert.is(skipped.detail!.step, 'retire');
    assert.is(skipped.detail!.sqlstate, '55P03');
    assert.match(String(skipped.detail!.error), 'could not take the locks on');
    assert.match(String(skipped.detail!.error), 'after 6 tries');
    assert.match(String(skipped.detail!.error), `pid ${bPid} holds AccessShareLock on public.tweet_${OLDEST.suffix}`);
    assert.equal(h.at(-1)!.detail, { 'create:done': 5, 'retire:skipped': 1 });
    assert.is(h.filter((r) => r.action === 'maintained').length, 1, 'C logged nothing');
  });
  // The family A could not retire is untouched, and with B gone the next run retires it.
  assert.equal(await stateOf(main, 'tweet', OLDEST.suffix), [`tweet_${OLDEST.suffix} attached`]);
  assert.is(await count(main, `tweet_${OLDEST.suffix}`), 2);
  const next = await lastHistoryId(main);
  await call(main);
  assert.equal(lines(await historySince(main, next)),
    [`detached star star_${OLDEST.suffix}`, `detached tweet tweet_${OLDEST.suffix}`, 'maintained tweet']);
  assert.equal(await stateOf(main, 'tweet', OLDEST.suffix), [`tweet_${OLDEST.suffix} detached`]);
});

Overlap.run();
