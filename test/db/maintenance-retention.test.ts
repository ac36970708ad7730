// Retention: run_maintenance retires every month older than `keep`, dependents first (star
// before tweet, so no foreign key ever points at a missing table), and does what the model
// asks: 'detach' keeps the tables out of the partition tree with their rows and foreign key,
// 'archive' moves them into schema archive under archive.tweet / archive.star where their
// rows stay queryable, 'drop' drops them. The kept months and the new premake months are
// untouched. With archiveTablespace set, archived tables and their indexes end up in that
// tablespace, and once moved, later runs have nothing left to do.
//
// now() is real, so every key is a month counted from the current UTC month (month(k)).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { createTablespace, type Tablespace } from '../harness/tablespace.js';
import { installed } from '../harness/install.js';
import { column, ensure, logged, month, monthlyTweetStar, rows, scalar, type Month } from './helpers.js';
import {
  call, count, createdLines, dbSuite, exists, fkTargets, historySince, idSource, joinedStars, lastHistoryId, lines,
  insertPairs, parentsOf, partitionsOf, withRetention, type DbContext,
} from './maintenance-helpers.js';

// ── detach / archive / drop ────────────────────────────────────────────────

const OLD = [month(-6), month(-5)];
const KEPT = [month(-2), month(0)];

/** Old months (3 pairs each) and kept months (2 pairs each), made by ensure_partition. */
async function retentionSetup(c: pg.Client): Promise<void> {
  for (const m of [...OLD, ...KEPT]) await ensure(c, 'tweet', m.key);
  for (const m of OLD) await insertPairs(c, m, 3, 'old');
  for (const m of KEPT) await insertPairs(c, m, 2, 'kept');
}

/** What every retention suite checks after its run: the kept months and the new ones. */
async function assertKeptAndCreated(c: pg.Client): Promise<void> {
  // Attached: the kept months (month -1 was never made: the current month existed, so
  // nothing was missed) and current+1, +2.
  const attached = [month(-2), month(0), month(1), month(2)];
  assert.equal(await partitionsOf(c, 'tweet'), attached.map((m) => `tweet_${m.suffix}`));
  assert.equal(await partitionsOf(c, 'star'), attached.map((m) => `star_${m.suffix}`));
  for (const m of KEPT) {
    assert.is(await count(c, `tweet_${m.suffix}`), 2);
    assert.is(await count(c, `star_${m.suffix}`), 2);
  }
  assert.is(await count(c, 'tweet'), 4);
  assert.is(await count(c, 'star'), 4);
  assert.is(await joinedStars(c), 4);
}

/** History of the run: created +1, +2, then per old month the retire lines, then maintained. */
function retentionLines(perFamily: (s: string) => string[]): string[] {
  return [...createdLines([month(1), month(2)]), ...OLD.flatMap((m) => perFamily(m.suffix)), 'maintained tweet'];
}

const RetDetach = dbSuite('run_maintenance: retention keep 2 months, action detach', 'maint_ret_detach',
  withRetention(monthlyTweetStar({ premake: 2, initial: false }), '2 months', 'detach'), retentionSetup);

RetDetach('months older than keep are detached (tables kept, out of pg_inherits), star before tweet', async (ctx) => {
  const c = ctx.db!.client;
  const since = await lastHistoryId(c);
  await call(c);
  const h = await historySince(c, since);
  assert.equal(lines(h), retentionLines((s) => [`detached star star_${s}`, `detached tweet tweet_${s}`]));
  assert.equal(h.at(-1)!.detail, { 'create:done': 2, 'retire:done': 2 });
  assert.equal(h.filter((r) => r.action === 'detached').map((r) => r.detail!.then), ['detach', 'detach', 'detach', 'detach']);

  await assertKeptAndCreated(c);
  assert.equal(await partitionsOf(c, 'tweet', 'detached'), OLD.map((m) => `tweet_${m.suffix}`));
  assert.equal(await partitionsOf(c, 'star', 'detached'), OLD.map((m) => `star_${m.suffix}`));
  for (const m of OLD) {
    for (const t of [`tweet_${m.suffix}`, `star_${m.suffix}`]) {
      assert.ok(await exists(c, `public.${t}`), `${t} still exists`);
      assert.equal(await parentsOf(c, t), [], `${t} is in no pg_inherits row`);
      assert.is(await count(c, t), 3, `${t} keeps its rows`);
      assert.is(await idSource(c, t), 'none', `${t}.id draws from nothing any more`);
    }
    assert.equal(await fkTargets(c, `star_${m.suffix}`), [`tweet_${m.suffix}`]);
  }
  assert.equal(await column(c, `SELECT model || ' ' || table_name || ' ' || state FROM parting.offline ORDER BY suffix, model DESC`),
    OLD.flatMap((m) => [`tweet tweet_${m.suffix} detached`, `star star_${m.suffix} detached`]));
});

RetDetach.run();

const RetArchive = dbSuite('run_maintenance: retention keep 2 months, action archive', 'maint_ret_archive',
  withRetention(monthlyTweetStar({ premake: 2, initial: false }), '2 months', 'archive'), retentionSetup);

RetArchive('months older than keep are archived: in schema archive, attached to archive.tweet / archive.star, rows queryable', async (ctx) => {
  const c = ctx.db!.client;
  const since = await lastHistoryId(c);
  await call(c);
  const h = await historySince(c, since);
  assert.equal(lines(h), retentionLines((s) => [
    `detached star star_${s}`, `detached tweet tweet_${s}`, `archived tweet tweet_${s}`, `archived star star_${s}`,
  ]));
  assert.equal(h.at(-1)!.detail, { 'create:done': 2, 'retire:done': 2 });
  assert.equal(h.filter((r) => r.action === 'archived').map((r) => r.detail),
    OLD.flatMap(() => [{ into: 'archive.tweet' }, { into: 'archive.star' }]));

  await assertKeptAndCreated(c);
  assert.equal(await partitionsOf(c, 'tweet', 'archived'), OLD.map((m) => `archive.tweet_${m.suffix}`));
  assert.equal(await partitionsOf(c, 'star', 'archived'), OLD.map((m) => `archive.star_${m.suffix}`));
  for (const m of OLD) {
    for (const model of ['tweet', 'star']) {
      const t = `${model}_${m.suffix}`;
      assert.not.ok(await exists(c, `public.${t}`), `public.${t} is gone`);
      assert.equal(await parentsOf(c, `archive.${t}`), [`archive.${model}`]);
      assert.is(await idSource(c, `archive.${t}`), 'none', `archive.${t}.id draws from nothing`);
    }
    assert.equal(await fkTargets(c, `archive.star_${m.suffix}`), [`archive.tweet_${m.suffix}`]);
  }
  assert.is(await count(c, 'archive.tweet'), 6);
  assert.is(await count(c, 'archive.star'), 6);
  assert.is(await count(c, `archive.star s JOIN archive.tweet t ON t.id = s.tweet_id AND t.created_at = s.tweet_created_at`), 6);
  assert.equal(await column(c, `SELECT schema_name || '.' || table_name || ' ' || state FROM parting.offline ORDER BY suffix, model DESC`),
    OLD.flatMap((m) => [`archive.tweet_${m.suffix} archived`, `archive.star_${m.suffix} archived`]));
});

RetArchive.run();

const RetDrop = dbSuite('run_maintenance: retention keep 2 months, action drop', 'maint_ret_drop',
  withRetention(monthlyTweetStar({ premake: 2, initial: false }), '2 months', 'drop'), retentionSetup);

RetDrop('months older than keep are detached then dropped, star before tweet', async (ctx) => {
  const c = ctx.db!.client;
  const since = await lastHistoryId(c);
  await call(c);
  const h = await historySince(c, since);
  assert.equal(lines(h), retentionLines((s) => [
    `detached star star_${s}`, `detached tweet tweet_${s}`, `dropped star star_${s}`, `dropped tweet tweet_${s}`,
  ]));
  assert.equal(h.at(-1)!.detail, { 'create:done': 2, 'retire:done': 2 });

  await assertKeptAndCreated(c);
  for (const m of OLD) {
    for (const t of [`tweet_${m.suffix}`, `star_${m.suffix}`]) {
      assert.not.ok(await exists(c, `public.${t}`), `${t} is dropped`);
      assert.not.ok(await exists(c, `archive.${t}`), `archive.${t} never made`);
    }
  }
  assert.is(await count(c, 'parting.offline'), 0);
  assert.equal(await column(c, `SELECT DISTINCT state FROM parting.partitions()`), ['attached']);
});

RetDrop.run();

// ── archive tablespace ─────────────────────────────────────────────────────

let space: Tablespace | undefined;

function archiveTablespaceConfig(name: string): ConfigInput {
  const cfg = withRetention(monthlyTweetStar({ premake: 2, initial: false }), '2 months', 'archive') as ConfigInput & {
    models: Record<string, { archiveTablespace?: string }>;
  };
  cfg.models.tweet!.archiveTablespace = name;
  cfg.models.star!.archiveTablespace = name;
  return cfg;
}

const Space = suite<DbContext>('run_maintenance: archived partitions move to archiveTablespace', {});
Space.before(async (ctx) => {
  await logged('archive tablespace: setup', async () => {
    space = await createTablespace('pgpart_arch');
    ctx.db = await installed('maint_space', archiveTablespaceConfig(space.name));
    await retentionSetup(ctx.db.client);
  });
});
Space.after(async (ctx) => {
  await ctx.db?.drop();
  await space?.drop();
});

/** Tables and indexes of the archived partitions of one month, with their tablespace (NULL: the database's). */
function relSpaces(c: pg.Client, m: Month): Promise<{ rel: string; space: string | null }[]> {
  return rows(c, `
    SELECT r.oid::regclass::text AS rel, t.spcname::text AS space
      FROM pg_class r LEFT JOIN pg_tablespace t ON t.oid = r.reltablespace
     WHERE r.oid IN ($1::regclass, $2::regclass)
        OR r.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN ($1::regclass, $2::regclass))
     ORDER BY 1`, [`archive.tweet_${m.suffix}`, `archive.star_${m.suffix}`]);
}

Space('one run archives the old months and moves their tables and indexes into the tablespace', async (ctx) => {
  const c = ctx.db!.client;
  const since = await lastHistoryId(c);
  await call(c);
  const h = await historySince(c, since);
  assert.equal(await partitionsOf(c, 'tweet', 'archived'), OLD.map((m) => `archive.tweet_${m.suffix}`));
  for (const m of OLD) {
    const spaces = await relSpaces(c, m);
    assert.ok(spaces.length >= 4, `tables and indexes found: ${JSON.stringify(spaces)}`);
    assert.equal(spaces.filter((s) => s.space !== space!.name), [], `after one run, everything of ${m.suffix} is in ${space!.name}`);
  }
  const moved = h.filter((r) => r.action === 'moved');
  assert.equal(moved.map((r) => `${r.model} ${r.partition} ${r.detail!.tablespace} ${r.detail!.from} ${r.detail!.why}`),
    OLD.flatMap((m) => [
      `tweet tweet_${m.suffix} ${space!.name} pg_default archiveTablespace`, `star star_${m.suffix} ${space!.name} pg_default archiveTablespace`,
    ]));
  assert.ok(moved.every((r) => typeof r.detail!.bytes === 'number' && r.detail!.bytes > 0), 'each move logs the bytes it moved');
  assert.is(await count(c, 'archive.tweet'), 6);
  assert.equal(await column(c, `SELECT DISTINCT tablespace::text FROM parting.partitions() WHERE state = 'archived'`), [space!.name]);
});

Space('a later run finds nothing left to move', async (ctx) => {
  const c = ctx.db!.client;
  await call(c); // completes the move if the first run left it (see the test above)
  const since = await lastHistoryId(c);
  await call(c);
  assert.equal(lines(await historySince(c, since)), ['maintained tweet']);
  for (const m of OLD) assert.equal((await relSpaces(c, m)).filter((s) => s.space !== space!.name), []);
  assert.equal(await rows(c, `SELECT * FROM parting._due(parting._model('tweet')) WHERE step <> 'create'`), []);
});

Space.run();
