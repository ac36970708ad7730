// Maintenance never silently stops. Retention retires every attached partition past the
// cutoff even when a younger family was detached or archived by hand (older ones are still
// due, and retired on the next run); a retire that cannot be done says why in the run's
// history row and in check(). An integer-range model with a DEFAULT partition keeps exactly
// premake partitions ahead, run after run, and check() finds none missing.

import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import { column, month, monthlyTweetStar, rows } from './helpers.js';
import { call, dbSuite, withRetention } from './maintenance-helpers.js';
import { withClients } from '../harness/db.js';

const Hand = dbSuite('retention after a younger family detached by hand', 'lockstep_retire',
  withRetention(monthlyTweetStar({ premake: 1 }), '6 months', 'archive'), async (c) => {
    for (let m = -12; m <= 0; m++) await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [month(m).key]);
  });

Hand('a family archived by hand younger than the cutoff\'s: the older attached ones are all retired, on this run and every later one', async (ctx) => {
  const c = ctx.db!.client;
  // Archived by hand: -3 (younger than the cutoff, not due) and -8 (past it).
  await c.query(`SELECT parting.detach_partition('tweet', $1, 'archive')`, [month(-3).key]);
  await c.query(`SELECT parting.detach_partition('tweet', $1, 'archive')`, [month(-8).key]);
  await call(c);
  const attached = () => column<string>(c, `SELECT key FROM parting.partitions('tweet') WHERE state = 'attached' AND NOT is_default ORDER BY key`);
  assert.equal(await attached(), [-6, -5, -4, -2, -1, 0, 1].map((m) => month(m).suffix));
  // The cutoff has since passed the hand-archived -3 (as time would move it): -6..-4 are due, and retired.
  await c.query(`UPDATE parting.config SET retention_keep = '2 months' WHERE model = 'tweet'`);
  await call(c);
  assert.equal(await attached(), [-2, -1, 0, 1].map((m) => month(m).suffix));
  assert.equal(await column(c, `SELECT action FROM parting.history WHERE action IN ('failed', 'skipped')`), []);
  assert.equal(await column(c, `SELECT problem FROM parting.check() WHERE problem NOT IN ('config changed', 'gap')`), []);
});

Hand('a retire that cannot be done: the run says which step holds the rest, check() says why', async (ctx) => {
  const c = ctx.db!.client;
  const m = month(-2);
  await c.query(`UPDATE parting.config SET retention_keep = '0 days' WHERE model = 'tweet'`);
  await c.query(`UPDATE parting.settings SET lock_timeout = '50ms', lock_tries = 1`);
  // Another session reads the older of the two due months and keeps its lock: that retire
  // is skipped, and the younger one waits behind it (retention goes oldest first).
  await withClients(ctx.db!.url, 1, async ([holder]) => {
    await holder!.query('BEGIN');
    await holder!.query(`LOCK TABLE tweet_${m.suffix} IN ACCESS SHARE MODE`);
    try {
      await call(c);
    } finally {
      await holder!.query('ROLLBACK');
    }
  });
  const run = await rows<{ detail: Record<string, unknown> }>(c, `SELECT detail FROM parting.history WHERE action = 'maintained' ORDER BY id DESC LIMIT 1`);
  assert.is(run[0]!.detail['retire:skipped'], 1, JSON.stringify(run));
  assert.is(run[0]!.detail['retire:held'], 1, JSON.stringify(run));
  assert.match(String(run[0]!.detail['retire:held behind']), /^retire \S+ \(skipped\)$/);
  const past = await rows<{ partition: string; detail: string; fix: string }>(c,
    `SELECT partition, detail, fix FROM parting.check() WHERE problem = 'past retention' ORDER BY partition`);
  assert.equal(past.map((p) => p.partition), [`public.tweet_${m.suffix}`, `public.tweet_${month(-1).suffix}`]);
  for (const p of past) {
    assert.match(p.detail, new RegExp(`; the last retire of tweet_${m.suffix} skipped at \\S+ \\S+: `), p.detail);
    assert.match(p.fix, /fix what stops that retire/);
  }
  await call(c);
  assert.equal(await column(c, `SELECT problem FROM parting.check() WHERE problem = 'past retention'`), []);
});

Hand.run();

const intDefault: ConfigInput = {
  models: {
    ev: {
      columns: { id: 'bigint not null', body: 'text' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'id', interval: 1000, premake: 2, initial: false, default: true },
    },
  },
};

const IntDefault = dbSuite('integer range with a DEFAULT partition: exactly premake ahead', 'lockstep_intdef', intDefault, async (c) => {
  for (const k of ['0', '1000', '2000']) await c.query(`SELECT parting.ensure_partition('ev', $1)`, [k]);
  await c.query(`INSERT INTO ev (id, body) SELECT g, 'x' FROM generate_series(0, 2500, 250) g`);
});

IntDefault('run after run the same partitions: the current one and 2 ahead, check() clean after each', async (ctx) => {
  const c = ctx.db!.client;
  const attached = () => column<string>(c, `SELECT key FROM parting.partitions('ev') WHERE state = 'attached' AND NOT is_default ORDER BY lower::bigint`);
  await call(c);
  const first = await attached();
  assert.equal(first, ['0', '1000', '2000', '3000', '4000'], 'max(id) 2500: 2000 is current, 3000 and 4000 ahead');
  for (let run = 0; run < 3; run++) {
    await call(c);
    assert.equal(await attached(), first, `run ${run + 2}`);
    assert.equal(await column(c, `SELECT problem || ': ' || detail FROM parting.check()`), [], `run ${run + 2}`);
  }
  assert.is(Number(await column(c, `SELECT count(*) FROM ev_default`).then((r) => r[0])), 0);
});

const Waiting = dbSuite('integer range with a DEFAULT partition full of waiting rows', 'lockstep_intwait', intDefault, async (c) => {
  // Rows written before any partition existed: all in ev_default, 0 .. 9750.
  await c.query(`INSERT INTO ev (id, body) SELECT g, 'x' FROM generate_series(0, 9750, 250) g`);
});

Waiting('one run drains them all into their partitions and makes premake ahead of the last; check() clean; the next run makes nothing', async (ctx) => {
  const c = ctx.db!.client;
  await call(c);
  const attached = () => column<string>(c, `SELECT key FROM parting.partitions('ev') WHERE state = 'attached' AND NOT is_default ORDER BY lower::bigint`);
  assert.equal(await attached(), ['0', '1000', '2000', '3000', '4000', '5000', '6000', '7000', '8000', '9000', '10000', '11000']);
  assert.is(Number((await column(c, `SELECT count(*) FROM ev_default`))[0]), 0);
  assert.equal(await column(c, `SELECT problem || ': ' || detail FROM parting.check()`), []);
  await call(c);
  assert.equal((await attached()).length, 12);
  assert.equal(await column(c, `SELECT problem FROM parting.check()`), []);
});

Waiting.run();
IntDefault.run();
