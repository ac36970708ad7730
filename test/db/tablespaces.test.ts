// Tablespaces on real tablespaces (temp directories): new partitions and their indexes in
// `tablespace`, families moved by run_maintenance as they age past each tier's moveAfter
// (oldest first, catchUp a run, a move that cannot have its lock holding the later ones),
// detached families moved to detachTablespace, parting.set_tablespace moving a family by
// hand, parting.check() reporting a table where the config does not put it, and an install
// refused when the config names a tablespace that does not exist.
//
// now() is real, so every key is a month counted from the current UTC month (month(k)).
// The tiers: older than 2 months → warm, older than 4 months → cold; with months -6 .. 0
// made, -6 and -5 belong in cold, -4 and -3 in warm, -2 .. +2 in hot (the model's own).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { withClients } from '../harness/db.js';
import { install, installed } from '../harness/install.js';
import { createTablespace, type Tablespace } from '../harness/tablespace.js';
import { column, ensure, logged, month, monthlyTweetStar, months, pgError, rows, scalar, type Month } from './helpers.js';
import { call, count, historySince, insertPairs, lastHistoryId, type DbContext } from './maintenance-helpers.js';

const spaces: Record<'hot' | 'warm' | 'cold' | 'parked', Tablespace | undefined> = { hot: undefined, warm: undefined, cold: undefined, parked: undefined };
const name = (k: keyof typeof spaces): string => spaces[k]!.name;

type Partial = ConfigInput & { catchUp?: number; models: Record<string, Record<string, unknown> & { partition?: Record<string, unknown> }> };

function tiered(extra: (c: Partial) => void = () => {}): ConfigInput {
  const cfg = structuredClone(monthlyTweetStar({ premake: 2, initial: false })) as Partial;
  for (const m of ['tweet', 'star']) cfg.models[m]!.tablespace = name('hot');
  cfg.models.tweet!.partition!.tiers = [
    { moveAfter: '2 months', tablespace: name('warm') },
    { moveAfter: '4 months', tablespace: name('cold') },
  ];
  extra(cfg);
  return cfg;
}

const OLD = months(-6, 0);
/** Where each month's family belongs once the tiers apply. */
function home(m: Month): string {
  const k = OLD.findIndex((o) => o.suffix === m.suffix) - 6;
  return k <= -5 ? name('cold') : k <= -3 ? name('warm') : name('hot');
}

async function setup(c: pg.Client): Promise<void> {
  for (const m of OLD) {
    await ensure(c, 'tweet', m.key);
    await insertPairs(c, m, 3);
  }
}

/** Each table and index of the month's family, with its tablespace. */
async function placeOf(c: pg.Client, m: Month): Promise<{ rel: string; space: string }[]> {
  return rows(c, `
    SELECT r.relname::text AS rel, parting._tablespace_of(r.oid) AS space
      FROM pg_class r
     WHERE r.oid IN (to_regclass($1), to_regclass($2))
        OR r.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN (to_regclass($1), to_regclass($2)))
     ORDER BY 1`, [`public.tweet_${m.suffix}`, `public.star_${m.suffix}`]);
}

async function spacesOf(c: pg.Client, m: Month): Promise<string[]> {
  return [...new Set((await placeOf(c, m)).map((p) => p.space))];
}

function suiteWith(title: string, prefix: string, config: () => ConfigInput, fill: (c: pg.Client) => Promise<void> = setup) {
  const s = suite<DbContext>(title, {});
  s.before(async (ctx) => {
    await logged(`${title}: setup`, async () => {
      for (const k of Object.keys(spaces) as (keyof typeof spaces)[]) spaces[k] ??= await createTablespace(`pgpart_${k}`);
      ctx.db = await installed(prefix, config());
      await fill(ctx.db.client);
    });
  });
  s.after(async (ctx) => ctx.db?.drop());
  return s;
}

// ── tiers ──────────────────────────────────────────────────────────────────

const Tiers = suiteWith('tablespaces: tiers move families as they age', 'ts_tiers', () => tiered());

Tiers('new partitions and their indexes are made in the model\'s tablespace', async (ctx) => {
  const c = ctx.db!.client;
  for (const m of OLD) {
    const place = await placeOf(c, m);
    assert.ok(place.length >= 6, `tables and indexes of ${m.suffix}: ${JSON.stringify(place)}`);
    assert.equal(await spacesOf(c, m), [name('hot')], m.suffix);
  }
});

Tiers('one run moves each family past a tier to its tablespace, tables and indexes, oldest first, logged with the bytes', async (ctx) => {
  const c = ctx.db!.client;
  const since = await lastHistoryId(c);
  await call(c);
  for (const m of OLD) assert.equal(await spacesOf(c, m), [home(m)], `${m.suffix} is in ${home(m)}`);
  for (const m of months(1, 2)) assert.equal(await spacesOf(c, m), [name('hot')], `new ${m.suffix} in hot`);
  const h = await historySince(c, since);
  const moved = h.filter((r) => r.action === 'moved');
  assert.equal(moved.map((r) => `${r.partition} ${r.detail!.from}→${r.detail!.tablespace} ${r.detail!.why}`),
    OLD.slice(0, 4).flatMap((m) => [`tweet_${m.suffix} ${name('hot')}→${home(m)} tier`, `star_${m.suffix} ${name('hot')}→${home(m)} tier`]));
  assert.ok(moved.every((r) => Number(r.detail!.bytes) > 0));
  assert.equal(h.at(-1)!.detail, { 'create:done': 2, 'tablespace:done': 4 });
  // Rows are where they were.
  assert.is(await count(c, 'tweet'), 21);
  assert.is(await count(c, 'star'), 21);
});

Tiers('a later run has nothing to move, and check() finds nothing', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await rows(c, `SELECT step, arg FROM parting._due(parting._model('tweet'))`), []);
  const since = await lastHistoryId(c);
  await call(c);
  assert.equal((await historySince(c, since)).map((r) => r.action), ['maintained']);
  assert.equal(await rows(c, 'SELECT problem, partition FROM parting.check()'), []);
});

Tiers('a family moved elsewhere by hand is reported by check(), with the set_tablespace that puts it back', async (ctx) => {
  const c = ctx.db!.client;
  const m = month(-4);
  const moved = await rows(c, `SELECT model, partition::text, tablespace::text, moved_from::text FROM parting.set_tablespace('tweet', $1, $2)`,
    [m.key, name('parked')]);
  assert.equal(moved, [
    { model: 'tweet', partition: `tweet_${m.suffix}`, tablespace: name('parked'), moved_from: name('warm') },
    { model: 'star', partition: `star_${m.suffix}`, tablespace: name('parked'), moved_from: name('warm') },
  ]);
  assert.equal(await spacesOf(c, m), [name('parked')], 'tables and indexes moved');
  const problems = await rows<{ model: string; partition: string; problem: string; detail: string; fix: string; repairable: boolean }>(c,
    'SELECT model, partition, problem, detail, fix, repairable FROM parting.check()');
  assert.equal(problems.map((p) => `${p.model} ${p.partition} ${p.problem} ${p.repairable}`),
    [`tweet public.tweet_${m.suffix} tablespace false`, `star public.star_${m.suffix} tablespace false`]);
  assert.match(problems[0]!.detail, `in ${name('parked')}, the config puts it in ${name('warm')} (tier moveAfter 2 months)`);
  const fix = /SELECT \* FROM parting\.set_tablespace\([^)]*\)/.exec(problems[0]!.fix)?.[0];
  assert.ok(fix, problems[0]!.fix);
  await c.query(fix!);
  assert.equal(await spacesOf(c, m), [name('warm')]);
  assert.equal(await rows(c, 'SELECT problem FROM parting.check()'), []);
});

Tiers('set_tablespace refuses what it cannot do, naming it', async (ctx) => {
  const c = ctx.db!.client;
  const nope = await pgError(c, `SELECT * FROM parting.set_tablespace('tweet', $1, 'no_such_space')`, [month(0).key]);
  assert.is(nope.code, '42704');
  assert.match(nope.message, 'tablespace "no_such_space" does not exist (model "tweet")');
  assert.match(nope.hint ?? '', 'CREATE TABLESPACE');
  const dependent = await pgError(c, `SELECT * FROM parting.set_tablespace('star', $1, $2)`, [month(0).key, name('warm')]);
  assert.match(dependent.message, 'star');
  const none = await pgError(c, `SELECT * FROM parting.set_tablespace('tweet', $1, $2)`, [month(-20).key, name('warm')]);
  assert.is(none.code, '42P01');
  assert.match(none.message, `model "tweet" has no partition for key "${month(-20).key}"`);
  assert.equal(await spacesOf(c, month(0)), [name('hot')], 'nothing moved');
});

Tiers.run();

// ── catchUp, and a move behind a lock ─────────────────────────────────────

const Bounded = suiteWith('tablespaces: tier moves are bounded by catchUp and go oldest first', 'ts_bounded',
  () => tiered((c) => { c.catchUp = 1; }));

Bounded('catchUp 1: each run moves the oldest family not yet in place, until all are', async (ctx) => {
  const c = ctx.db!.client;
  // The families created ahead (current+1, +2) come first and are not bounded; catchUp
  // bounds the moves, one a run, oldest first: -6, -5 to cold, then -4, -3 to warm.
  const order: string[] = [];
  for (let run = 0; run < 5; run++) {
    const since = await lastHistoryId(c);
    await call(c);
    const moved = (await historySince(c, since)).filter((r) => r.action === 'moved' && r.model === 'tweet');
    order.push(moved.map((r) => r.partition).join(',') || '-');
  }
  assert.equal(order, [...OLD.slice(0, 4).map((m) => `tweet_${m.suffix}`), '-']);
  for (const m of OLD) assert.equal(await spacesOf(c, m), [home(m)], m.suffix);
});

Bounded.run();

const Held = suiteWith('tablespaces: a move that cannot have its lock holds the later ones', 'ts_held', () => tiered());

Held('a reader of the oldest family: its move is skipped and the newer ones wait; the next run moves all, in order', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`UPDATE parting.settings SET lock_timeout = '100ms', lock_tries = 2`);
  const oldest = OLD[0]!;
  await withClients(ctx.db!.url, 1, async ([reader]) => {
    await reader!.query('BEGIN');
    await reader!.query(`SELECT count(*) FROM tweet_${oldest.suffix}`);
    const since = await lastHistoryId(c);
    await call(c);
    const h = await historySince(c, since);
    assert.equal(h.filter((r) => r.action === 'skipped').map((r) => `${r.partition} ${r.detail!.step} ${r.detail!.sqlstate}`),
      [`tweet_${oldest.suffix} tablespace 55P03`]);
    // The run's row also says which step the held ones wait behind: the skipped oldest move.
    const { 'tablespace:held behind': behind, ...counts } = h.at(-1)!.detail!;
    assert.equal(counts, { 'create:done': 2, 'tablespace:skipped': 1, 'tablespace:held': 3 });
    assert.match(String(behind), /^tablespace \S+ \S+ \(skipped\)$/);
    for (const m of OLD) assert.equal(await spacesOf(c, m), [name('hot')], `${m.suffix} not moved yet`);
    await reader!.query('COMMIT');
  });
  const since = await lastHistoryId(c);
  await call(c);
  const moved = (await historySince(c, since)).filter((r) => r.action === 'moved' && r.model === 'tweet').map((r) => r.partition);
  assert.equal(moved, OLD.slice(0, 4).map((m) => `tweet_${m.suffix}`));
  for (const m of OLD) assert.equal(await spacesOf(c, m), [home(m)], m.suffix);
});

Held.run();

// ── detachTablespace, dropAfter ───────────────────────────────────────────

const Detach = suiteWith('tablespaces: detached families go to detachTablespace; dropAfter drops them', 'ts_detach', () => {
  const cfg = structuredClone(monthlyTweetStar({ premake: 2, initial: false })) as Partial;
  for (const m of ['tweet', 'star']) cfg.models[m]!.detachTablespace = name('parked');
  cfg.models.tweet!.partition!.retention = { keep: '2 months', action: 'detach', dropAfter: '5 months' };
  return cfg;
});

Detach('one run detaches the months past keep, moves them to detachTablespace, and drops those past dropAfter', async (ctx) => {
  const c = ctx.db!.client;
  const since = await lastHistoryId(c);
  await call(c);
  const h = await historySince(c, since);
  // -6 is past dropAfter (its rows are all older than 5 months): detached, then dropped, never moved.
  const dropped = month(-6);
  assert.equal(h.filter((r) => r.action === 'dropped').map((r) => r.partition), [`star_${dropped.suffix}`, `tweet_${dropped.suffix}`]);
  assert.equal(await column(c, 'SELECT to_regclass($1)::text', [`public.tweet_${dropped.suffix}`]), [null]);
  const kept = months(-5, -3);
  assert.equal(await column(c, `SELECT partition::text FROM parting.partitions('tweet') WHERE state = 'detached' ORDER BY key`),
    kept.map((m) => `tweet_${m.suffix}`));
  for (const m of kept) {
    assert.equal(await spacesOf(c, m), [name('parked')], `${m.suffix} detached into parked`);
    assert.is(await count(c, `tweet_${m.suffix}`), 3, 'rows kept');
  }
  assert.equal(h.filter((r) => r.action === 'moved').map((r) => r.partition),
    kept.flatMap((m) => [`tweet_${m.suffix}`, `star_${m.suffix}`]));
  assert.equal(h.at(-1)!.detail, { 'create:done': 2, 'retire:done': 4, 'tablespace:done': 3, 'expire:done': 1 });
  assert.equal(await rows(c, 'SELECT problem, partition FROM parting.check()'), []);
});

Detach('months later: a detached family past dropAfter is dropped by the next run, the others stay', async (ctx) => {
  const c = ctx.db!.client;
  // As if a month passed: dropAfter one month shorter makes -5 due.
  await c.query(`UPDATE parting.config SET retention_drop_after = '4 months' WHERE model = 'tweet'`);
  const since = await lastHistoryId(c);
  await call(c);
  const h = await historySince(c, since);
  assert.equal(h.filter((r) => r.action === 'dropped').map((r) => r.partition), [`star_${month(-5).suffix}`, `tweet_${month(-5).suffix}`]);
  assert.equal(await column(c, `SELECT partition::text FROM parting.partitions('tweet') WHERE state = 'detached' ORDER BY key`),
    months(-4, -3).map((m) => `tweet_${m.suffix}`));
  assert.is(Number(await scalar(c, `SELECT count(*) FROM parting.offline`)), 4);
});

Detach.run();

// ── the install refuses tablespaces that cannot be used ───────────────────

const Refused = suite('tablespaces: the install refuses a tablespace that does not exist');

Refused('a tier naming an unknown tablespace: refused with the field, nothing made', async () => {
  const db = await installed('ts_refused', monthlyTweetStar({ premake: 2, initial: false }));
  try {
    const cfg = structuredClone(monthlyTweetStar({ premake: 2, initial: false })) as Partial;
    cfg.models.tweet!.partition!.tiers = [{ moveAfter: '3 months', tablespace: 'no_such_tier' }];
    const err = await install(db.url, cfg).then(() => null, (e: Error) => e);
    assert.ok(err, 'the install failed');
    assert.match(err!.message, 'models.tweet.partition.tiers[0].tablespace: tablespace no_such_tier does not exist');
    assert.equal(await column(db.client, `SELECT tiers::text FROM parting.config WHERE model = 'tweet'`), ['[]'], 'the config is as it was');
  } finally {
    await db.drop();
  }
});

// The last suite: the tablespaces go once every database using them is dropped.
Refused.after(async () => {
  for (const k of Object.keys(spaces) as (keyof typeof spaces)[]) await spaces[k]?.drop();
});

Refused.run();
