// The maintenance runtime (DESIGN F4, F5): CALL parting.run_maintenance() makes partitions
// premake ahead and catches up after downtime without gaps, drains default partitions into
// new ones (in batches when there are many rows), applies retention (detach, archive, drop,
// dependents first), moves archives to their tablespace, logs every step in
// parting.history, isolates a failing family, and never runs twice at once. Also
// detach_partition / attach_partition by hand and the errors they give for bad input.
//
// now() is real, so every key is a month counted from the current UTC month (month(k)).

import { chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { adminUrl, newClient, withClients, type FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { column, counts, ensure, logged, month, months, monthlyTweetStar, pgError, rows, scalar, type Month } from './helpers.js';

type Ctx = { db?: FreshDatabase };

// ── helpers ────────────────────────────────────────────────────────────────

/** The tweet/star config with retention on tweet (and more model fields merged in). */
function withRetention(base: ConfigInput, keep: string | number, action: 'detach' | 'archive' | 'drop'): ConfigInput {
  const cfg = structuredClone(base) as ConfigInput & { models: Record<string, { partition?: Record<string, unknown> }> };
  cfg.models.tweet!.partition!.retention = { keep, action };
  return cfg;
}

/** Inserts n tweets in the month (one minute apart, from the 2nd) and one star for each. */
async function insertPairs(c: pg.Client, m: Month, n: number, who = 'u'): Promise<void> {
  await c.query(`
    WITH t AS (
      INSERT INTO tweet (json, "user", created_at)
      SELECT '{}', $2 || g, $1::timestamptz + g * interval '1 minute' FROM generate_series(1, $3::int) g
      RETURNING id, created_at)
    INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT $2, id, created_at FROM t`,
  [m.at(2), who, n]);
}

async function call(c: pg.Client, model?: string): Promise<void> {
  if (model === undefined) await c.query('CALL parting.run_maintenance()');
  else await c.query('CALL parting.run_maintenance($1)', [model]);
}

async function lastHistoryId(c: pg.Client): Promise<number> {
  return Number(await scalar(c, 'SELECT coalesce(max(id), 0) FROM parting.history'));
}

interface Hist {
  model: string;
  partition: string | null;
  action: string;
  detail: Record<string, unknown> | null;
}

/** History rows after id `since`, in order. */
function historySince(c: pg.Client, since: number): Promise<Hist[]> {
  return rows<Hist>(c, `SELECT model, partition, action, detail FROM parting.history WHERE id > $1 ORDER BY id`, [since]);
}

/** History rows as 'action model partition' lines (partition left out when null). */
function lines(h: Hist[]): string[] {
  return h.map((r) => [r.action, r.model, r.partition].filter((x) => x !== null).join(' '));
}

/** 'created tweet tweet_X', 'created star star_X' for each month, oldest first. */
function createdLines(ms: Month[]): string[] {
  return ms.flatMap((m) => [`created tweet tweet_${m.suffix}`, `created star star_${m.suffix}`]);
}

/** Non-default partitions of a model in one state, oldest first, as names. */
function partitionsOf(c: pg.Client, model: string, state = 'attached'): Promise<string[]> {
  return column<string>(c, `
    SELECT partition::text FROM parting.partitions($1) WHERE NOT is_default AND state = $2 ORDER BY lower`, [model, state]);
}

/** The table a foreign key of `table` points to (one per table here). */
function fkTargets(c: pg.Client, table: string): Promise<string[]> {
  return column<string>(c, `SELECT confrelid::regclass::text FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'`, [table]);
}

function parentsOf(c: pg.Client, table: string): Promise<string[]> {
  return column<string>(c, `SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = $1::regclass`, [table]);
}

async function exists(c: pg.Client, table: string): Promise<boolean> {
  return (await scalar(c, 'SELECT to_regclass($1) IS NOT NULL', [table])) as boolean;
}

async function count(c: pg.Client, from: string): Promise<number> {
  return Number(await scalar(c, `SELECT count(*) FROM ${from}`));
}

/** Whether the id column of a table has a default (pg_attrdef): PG15 partitions draw ids from the parent's sequence. */
async function idDefault(c: pg.Client, table: string): Promise<boolean> {
  return Number(await scalar(c, `
    SELECT count(*) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
     WHERE d.adrelid = $1::regclass AND a.attname = 'id'`, [table])) > 0;
}

/** star rows whose tweet is where their foreign key says (the join over both key columns). */
async function joinedStars(c: pg.Client): Promise<number> {
  return count(c, `star s JOIN tweet t ON t.id = s.tweet_id AND t.created_at = s.tweet_created_at`);
}

/** Makes a suite whose before() installs `config` into a fresh database (and after() drops it). */
function dbSuite(name: string, prefix: string, config: ConfigInput, setup?: (c: pg.Client) => Promise<void>) {
  const s = suite<Ctx>(name, {});
  s.before(async (ctx) => {
    await logged(`${name}: install`, async () => {
      ctx.db = await installed(prefix, config);
      if (setup) await setup(ctx.db.client);
    });
  });
  s.after(async (ctx) => ctx.db?.drop());
  return s;
}

// ── 1. premake ─────────────────────────────────────────────────────────────

const Premake = dbSuite('run_maintenance: premake', 'maint_premake', monthlyTweetStar({ premake: 2, initial: false }));

Premake('an empty family gets the current month and 2 ahead, tweet before star, each star FK → its tweet partition', async (ctx) => {
  const c = ctx.db!.client;
  assert.is(Number(await scalar(c, 'SELECT count(*) FROM parting.partitions()')), 0);
  await call(c);
  const ms = months(0, 2);
  assert.equal(await partitionsOf(c, 'tweet'), ms.map((m) => `tweet_${m.suffix}`));
  assert.equal(await partitionsOf(c, 'star'), ms.map((m) => `star_${m.suffix}`));
  for (const m of ms) {
    assert.equal(await fkTargets(c, `star_${m.suffix}`), [`tweet_${m.suffix}`]);
  }
  const h = await historySince(c, 0);
  assert.equal(lines(h), [...createdLines(ms), 'maintained tweet']);
  assert.equal(h.at(-1)!.detail, { 'create:done': 3 });
});

Premake('a second run creates nothing (idempotent): one more maintained row only', async (ctx) => {
  const c = ctx.db!.client;
  const before = await counts(c);
  const since = await lastHistoryId(c);
  await call(c);
  const after = await counts(c);
  assert.equal(after.relations, before.relations);
  assert.is(after.partitions, before.partitions);
  const h = await historySince(c, since);
  assert.equal(lines(h), ['maintained tweet']);
  assert.equal(h[0]!.detail, {});
});

Premake.run();

// ── 2. catch-up ────────────────────────────────────────────────────────────

const CatchUp = dbSuite('run_maintenance: catch-up after downtime', 'maint_catchup', monthlyTweetStar({ premake: 2, initial: false }));

CatchUp('last partition 3 months back → every month from it to current+2, contiguous, no gap', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await ensure(c, 'tweet', month(-3).key), [`tweet_${month(-3).suffix}`, `star_${month(-3).suffix}`]);
  const since = await lastHistoryId(c);
  await call(c);
  const ms = months(-3, 2);
  for (const model of ['tweet', 'star']) {
    const got = await rows<{ partition: string; lower: string; upper: string }>(c, `
      SELECT partition::text, lower, upper FROM parting.partitions($1) WHERE NOT is_default ORDER BY lower`, [model]);
    assert.equal(got.map((p) => p.partition), ms.map((m) => `${model}_${m.suffix}`));
    assert.equal(got.map((p) => p.lower), ms.map((m) => m.lower));
    for (let i = 1; i < got.length; i++) {
      assert.is(got[i]!.lower, got[i - 1]!.upper, `${model}: ${got[i]!.partition} starts where ${got[i - 1]!.partition} ends`);
    }
  }
  const h = await historySince(c, since);
  assert.equal(lines(h), [...createdLines(months(-2, 2)), 'maintained tweet']);
  assert.equal(h.at(-1)!.detail, { 'create:done': 5 });
});

CatchUp.run();

// ── 3. retention: detach / archive / drop ──────────────────────────────────

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
  // Attached: the kept months (month -1 was never made: catch-up starts at the newest
  // partition at or before the current one) and current+1, +2.
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
      assert.not.ok(await idDefault(c, t), `${t}.id has no default any more`);
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
      assert.not.ok(await idDefault(c, `archive.${t}`), `archive.${t}.id has no default`);
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

// ── 4. archive tablespace ──────────────────────────────────────────────────

const SPACE = `pgpart_arch_${randomBytes(4).toString('hex')}`;
let spaceDir: string | undefined;

function archiveTablespaceConfig(): ConfigInput {
  const cfg = withRetention(monthlyTweetStar({ premake: 2, initial: false }), '2 months', 'archive') as ConfigInput & {
    models: Record<string, { archiveTablespace?: string }>;
  };
  cfg.models.tweet!.archiveTablespace = SPACE;
  cfg.models.star!.archiveTablespace = SPACE;
  return cfg;
}

/** As superuser: a tablespace in a fresh temp dir owned by the server's OS user (the data directory's owner). */
async function createTablespace(): Promise<void> {
  const admin = newClient(adminUrl());
  await admin.connect();
  try {
    const dataDir = String(await scalar(admin, 'SHOW data_directory'));
    spaceDir = mkdtempSync(join(tmpdir(), 'pgpart-space-'));
    // As root the harness runs the server as another OS user, which must own the directory.
    if (process.getuid?.() === 0) {
      const owner = statSync(dataDir);
      chownSync(spaceDir, owner.uid, owner.gid);
    }
    await admin.query(`CREATE TABLESPACE ${SPACE} LOCATION '${spaceDir.replace(/'/g, "''")}'`);
  } finally {
    await admin.end().catch(() => {});
  }
}

async function dropTablespace(): Promise<void> {
  const admin = newClient(adminUrl());
  await admin.connect();
  try {
    await admin.query(`DROP TABLESPACE IF EXISTS ${SPACE}`);
  } finally {
    await admin.end().catch(() => {});
  }
  if (spaceDir) rmSync(spaceDir, { recursive: true, force: true });
}

const Space = suite<Ctx>('run_maintenance: archived partitions move to archiveTablespace', {});
Space.before(async (ctx) => {
  await logged('archive tablespace: setup', async () => {
    await createTablespace();
    ctx.db = await installed('maint_space', archiveTablespaceConfig());
    await retentionSetup(ctx.db.client);
  });
});
Space.after(async (ctx) => {
  await ctx.db?.drop();
  await dropTablespace();
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
    assert.equal(spaces.filter((s) => s.space !== SPACE), [], `after one run, everything of ${m.suffix} is in ${SPACE}`);
  }
  assert.equal(h.filter((r) => r.action === 'moved').map((r) => `${r.model} ${r.partition} ${JSON.stringify(r.detail)}`),
    OLD.flatMap((m) => [
      `tweet tweet_${m.suffix} {"tablespace":"${SPACE}"}`, `star star_${m.suffix} {"tablespace":"${SPACE}"}`,
    ]));
  assert.is(await count(c, 'archive.tweet'), 6);
  assert.equal(await column(c, `SELECT DISTINCT tablespace::text FROM parting.partitions() WHERE state = 'archived'`), [SPACE]);
});

Space('a later run finds nothing left to move', async (ctx) => {
  const c = ctx.db!.client;
  await call(c); // completes the move if the first run left it (see the test above)
  const since = await lastHistoryId(c);
  await call(c);
  assert.equal(lines(await historySince(c, since)), ['maintained tweet']);
  for (const m of OLD) assert.equal((await relSpaces(c, m)).filter((s) => s.space !== SPACE), []);
  assert.equal(await rows(c, `SELECT * FROM parting._plan(parting._model('tweet')) WHERE step <> 'create'`), []);
});

Space.run();

// ── 5. detach / attach by hand ─────────────────────────────────────────────

const X = month(-1);
const NOW = month(0);

const ByHand = dbSuite('detach_partition / attach_partition by hand', 'maint_byhand', monthlyTweetStar({ premake: 2, initial: false }),
  async (c) => {
    await ensure(c, 'tweet', X.key);
    await ensure(c, 'tweet', NOW.key);
    await insertPairs(c, X, 3);
    await insertPairs(c, NOW, 2);
  });

function detach(c: pg.Client, key: string, action?: string): Promise<string[]> {
  return action === undefined
    ? column<string>(c, `SELECT p::text FROM parting.detach_partition('tweet', $1) p`, [key])
    : column<string>(c, `SELECT p::text FROM parting.detach_partition('tweet', $1, $2) p`, [key, action]);
}

function attach(c: pg.Client, key: string): Promise<string[]> {
  return column<string>(c, `SELECT p::text FROM parting.attach_partition('tweet', $1) p`, [key]);
}

async function stateOf(c: pg.Client, model: string, suffix: string): Promise<string[]> {
  return column<string>(c, `SELECT partition::text || ' ' || state FROM parting.partitions($1) WHERE key = $2`, [model, suffix]);
}

ByHand('detach: star then tweet returned, rows leave the parents, state detached', async (ctx) => {
  const c = ctx.db!.client;
  const since = await lastHistoryId(c);
  assert.equal(await detach(c, X.key), [`public.star_${X.suffix}`, `public.tweet_${X.suffix}`]);
  assert.is(await count(c, 'tweet'), 2);
  assert.is(await count(c, 'star'), 2);
  assert.is(await count(c, `tweet_${X.suffix}`), 3);
  assert.equal(await stateOf(c, 'tweet', X.suffix), [`tweet_${X.suffix} detached`]);
  assert.equal(await stateOf(c, 'star', X.suffix), [`star_${X.suffix} detached`]);
  assert.equal(lines(await historySince(c, since)), [`detached star star_${X.suffix}`, `detached tweet tweet_${X.suffix}`]);
  // detaching again does nothing
  assert.equal(await detach(c, X.key), []);
});

ByHand('attach: tweet then star returned, rows back, state attached, FK star → tweet partition, id default back', async (ctx) => {
  const c = ctx.db!.client;
  const since = await lastHistoryId(c);
  assert.equal(await attach(c, X.key), [`tweet_${X.suffix}`, `star_${X.suffix}`]);
  assert.is(await count(c, 'tweet'), 5);
  assert.is(await count(c, 'star'), 5);
  assert.is(await joinedStars(c), 5);
  assert.equal(await stateOf(c, 'tweet', X.suffix), [`tweet_${X.suffix} attached`]);
  assert.equal(await stateOf(c, 'star', X.suffix), [`star_${X.suffix} attached`]);
  assert.equal(await parentsOf(c, `tweet_${X.suffix}`), ['tweet']);
  assert.equal(await parentsOf(c, `star_${X.suffix}`), ['star']);
  assert.equal(await fkTargets(c, `star_${X.suffix}`), [`tweet_${X.suffix}`]);
  assert.ok(await idDefault(c, `tweet_${X.suffix}`));
  assert.is(await count(c, 'parting.offline'), 0);
  const h = await historySince(c, since);
  assert.equal(lines(h), [`attached tweet tweet_${X.suffix}`, `attached star star_${X.suffix}`]);
  assert.equal(h.map((r) => r.detail!.was), ['detached', 'detached']);
  // attaching again does nothing
  assert.equal(await attach(c, X.key), []);
  // and the month takes new rows
  await insertPairs(c, X, 1, 'again');
  assert.is(await count(c, `tweet_${X.suffix}`), 4);
});

ByHand("detach 'archive' then attach: back from schema archive, archive.tweet left with no partition", async (ctx) => {
  const c = ctx.db!.client;
  // The regclasses returned print where the tables are now.
  assert.equal(await detach(c, X.key, 'archive'), [`public.star_${X.suffix}`, `public.tweet_${X.suffix}`]);
  assert.equal(await stateOf(c, 'tweet', X.suffix), [`archive.tweet_${X.suffix} archived`]);
  assert.equal(await parentsOf(c, `archive.tweet_${X.suffix}`), ['archive.tweet']);
  assert.is(await count(c, 'archive.tweet'), 4);
  assert.is(await count(c, 'tweet'), 2);

  const since = await lastHistoryId(c);
  assert.equal(await attach(c, X.key), [`tweet_${X.suffix}`, `star_${X.suffix}`]);
  assert.ok(await exists(c, `public.tweet_${X.suffix}`));
  assert.ok(await exists(c, `public.star_${X.suffix}`));
  assert.not.ok(await exists(c, `archive.tweet_${X.suffix}`));
  assert.equal(await parentsOf(c, `tweet_${X.suffix}`), ['tweet']);
  assert.equal(await fkTargets(c, `star_${X.suffix}`), [`tweet_${X.suffix}`]);
  assert.is(Number(await scalar(c, `SELECT count(*) FROM pg_inherits WHERE inhparent = 'archive.tweet'::regclass`)), 0);
  assert.is(Number(await scalar(c, `SELECT count(*) FROM pg_inherits WHERE inhparent = 'archive.star'::regclass`)), 0);
  assert.is(await count(c, 'archive.tweet'), 0);
  assert.is(await count(c, 'tweet'), 6);
  assert.is(await joinedStars(c), 6);
  assert.equal(await stateOf(c, 'tweet', X.suffix), [`tweet_${X.suffix} attached`]);
  assert.equal((await historySince(c, since)).map((r) => `${r.action} ${r.partition} ${r.detail!.was}`),
    [`attached tweet_${X.suffix} archived`, `attached star_${X.suffix} archived`]);
});

ByHand("detach, then detach_partition(..., 'drop') drops the offline tables", async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await detach(c, X.key), [`public.star_${X.suffix}`, `public.tweet_${X.suffix}`]);
  const since = await lastHistoryId(c);
  assert.equal(await detach(c, X.key, 'drop'), [], 'nothing left to detach');
  assert.not.ok(await exists(c, `public.tweet_${X.suffix}`));
  assert.not.ok(await exists(c, `public.star_${X.suffix}`));
  assert.is(await count(c, 'parting.offline'), 0);
  assert.equal(await stateOf(c, 'tweet', X.suffix), []);
  const h = await historySince(c, since);
  assert.equal(lines(h), [`dropped star star_${X.suffix}`, `dropped tweet tweet_${X.suffix}`]);
  assert.equal(h.map((r) => r.detail), [{ was: 'detached' }, { was: 'detached' }]);
  assert.is(await count(c, 'tweet'), 2);
  assert.equal(await partitionsOf(c, 'tweet'), [`tweet_${NOW.suffix}`]);
});

ByHand("an archived family dropped with detach_partition(..., 'drop') leaves schema archive too", async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await ensure(c, 'tweet', X.key), [`tweet_${X.suffix}`, `star_${X.suffix}`]);
  await insertPairs(c, X, 1);
  assert.equal(await detach(c, X.key, 'archive'), [`public.star_${X.suffix}`, `public.tweet_${X.suffix}`]);
  assert.is(await count(c, 'archive.tweet'), 1);
  const since = await lastHistoryId(c);
  assert.equal(await detach(c, X.key, 'drop'), []);
  assert.not.ok(await exists(c, `archive.tweet_${X.suffix}`));
  assert.not.ok(await exists(c, `archive.star_${X.suffix}`));
  assert.is(await count(c, 'archive.tweet'), 0);
  assert.is(await count(c, 'parting.offline'), 0);
  const h = await historySince(c, since);
  assert.equal(lines(h), [`dropped star star_${X.suffix}`, `dropped tweet tweet_${X.suffix}`]);
  assert.equal(h.map((r) => r.detail), [{ was: 'archived' }, { was: 'archived' }]);
  assert.equal(await partitionsOf(c, 'tweet'), [`tweet_${NOW.suffix}`]);
});

ByHand.run();

// ── 6. bad input ───────────────────────────────────────────────────────────

const Bad = dbSuite('maintenance functions refuse bad input and change nothing', 'maint_bad', monthlyTweetStar({ premake: 2, initial: false }),
  async (c) => {
    await ensure(c, 'tweet', month(0).key);
    await ensure(c, 'tweet', month(-2).key);
    await c.query(`SELECT parting.detach_partition('tweet', $1)`, [month(-2).key]);
  });

const NONE = month(-1).key;
const HERE = month(0).key;

const badCalls: [string, string, unknown[], string, string][] = [
  ['unknown model', `SELECT parting.detach_partition('nope', $1)`, [HERE], '22023', 'unknown model "nope"'],
  ['dependent model', `SELECT parting.detach_partition('star', $1)`, [HERE], '22023', 'model "star" is partitioned in lockstep with "tweet"'],
  ['key with no partition', `SELECT parting.detach_partition('tweet', $1)`, [NONE], '42P01', `model "tweet" has no partition for key "${NONE}"`],
  ['malformed key', `SELECT parting.detach_partition('tweet', 'abc')`, [], '22007', 'malformed key "abc" for model "tweet"'],
  ['unknown action', `SELECT parting.detach_partition('tweet', $1, 'burn')`, [HERE], '22023', 'unknown action "burn"'],
  ['null action', `SELECT parting.detach_partition('tweet', $1, NULL)`, [HERE], '22023', 'unknown action'],
  ["key 'default'", `SELECT parting.detach_partition('tweet', 'default')`, [], '22023', 'the default partition of model "tweet" is not detached by pgpart'],
  ['attach: unknown model', `SELECT parting.attach_partition('nope', $1)`, [HERE], '22023', 'unknown model "nope"'],
  ['attach: dependent model', `SELECT parting.attach_partition('star', $1)`, [HERE], '22023', 'model "star" is partitioned in lockstep with "tweet"'],
  ['attach: nothing detached', `SELECT parting.attach_partition('tweet', $1)`, [NONE], '42P01', `model "tweet" has no detached or archived partition for key "${NONE}"`],
  ['attach: malformed key', `SELECT parting.attach_partition('tweet', 'abc')`, [], '22007', 'malformed key "abc" for model "tweet"'],
  ["run_maintenance('nope')", `CALL parting.run_maintenance('nope')`, [], '22023', 'unknown model "nope"'],
  ["run_maintenance('star')", `CALL parting.run_maintenance('star')`, [], '22023', 'model "star" is partitioned in lockstep with "tweet"'],
];

for (const [what, sql, params, code, message] of badCalls) {
  Bad(`${what}: ${code} ${message}, nothing changed`, async (ctx) => {
    const c = ctx.db!.client;
    const snapshot = async () => ({
      ...(await counts(c)),
      partitions: await rows(c, `SELECT model, partition::text, state FROM parting.partitions() ORDER BY 1, 2`),
      offline: await rows(c, `SELECT model, suffix, schema_name, table_name, state FROM parting.offline ORDER BY 1, 2`),
    });
    const before = await snapshot();
    const err = await pgError(c, sql, params);
    assert.is(err.code, code, err.message);
    assert.ok(err.message.includes(message), `"${err.message}" includes "${message}"`);
    assert.equal(await snapshot(), before);
  });
}

Bad('the detached family is still there for the good calls', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await stateOf(c, 'tweet', month(-2).suffix), [`tweet_${month(-2).suffix} detached`]);
  assert.equal(await partitionsOf(c, 'tweet'), [`tweet_${month(0).suffix}`]);
});

Bad.run();

// ── 7. default partition drain ─────────────────────────────────────────────

const Drain = dbSuite('run_maintenance: rows in the default partition move into their new partition', 'maint_drain',
  monthlyTweetStar({ premake: 2, initial: false, default: true }));

Drain('a few rows beyond premake move when premake reaches them, in the transaction that attaches', async (ctx) => {
  const c = ctx.db!.client;
  const m4 = month(4);
  await insertPairs(c, m4, 3);
  assert.equal(await column(c, `SELECT DISTINCT tableoid::regclass::text FROM tweet`), ['tweet_default']);
  assert.equal(await column(c, `SELECT DISTINCT tableoid::regclass::text FROM star`), ['star_default']);
  const ids = await column<string>(c, `SELECT id FROM tweet ORDER BY id`);

  await c.query(`UPDATE parting.config SET premake = 5 WHERE model = 'tweet'`);
  const since = await lastHistoryId(c);
  await call(c);

  const ms = months(0, 5);
  assert.equal(await partitionsOf(c, 'tweet'), ms.map((m) => `tweet_${m.suffix}`));
  assert.equal(await partitionsOf(c, 'star'), ms.map((m) => `star_${m.suffix}`));
  assert.equal(await column(c, `SELECT DISTINCT tableoid::regclass::text FROM tweet`), [`tweet_${m4.suffix}`]);
  assert.equal(await column(c, `SELECT DISTINCT tableoid::regclass::text FROM star`), [`star_${m4.suffix}`]);
  assert.is(await count(c, 'tweet_default'), 0);
  assert.is(await count(c, 'star_default'), 0);
  assert.equal(await column<string>(c, `SELECT id FROM tweet ORDER BY id`), ids);
  assert.is(await count(c, 'star'), 3);
  assert.is(await joinedStars(c), 3);

  const h = await historySince(c, since);
  assert.equal(lines(h), [
    ...createdLines(months(0, 3)), `moved tweet tweet_${m4.suffix}`, ...createdLines([m4, month(5)]), 'maintained tweet',
  ]);
  assert.equal(h.find((r) => r.action === 'moved')!.detail, { rows: { tweet: 3, star: 3 }, from: 'default', attached: true });
  assert.equal(h.at(-1)!.detail, { 'create:done': 6 });
});

Drain('1000 rows with drain_batch 100: nine unattached batches, then the last one attaches; every row moved once', async (ctx) => {
  const c = ctx.db!.client;
  const m6 = month(6);
  await insertPairs(c, m6, 1000, 'many');
  const tweetIds = await column<string>(c, `SELECT id FROM tweet_default ORDER BY id`);
  const stars = await column<string>(c, `SELECT id || ':' || tweet_id FROM star_default ORDER BY id`);
  assert.is(tweetIds.length, 1000);
  assert.is(stars.length, 1000);

  await c.query(`UPDATE parting.config SET drain_batch = 100, premake = 7 WHERE model = 'tweet'`);
  const since = await lastHistoryId(c);
  await call(c);

  const h = await historySince(c, since);
  const moved = h.filter((r) => r.action === 'moved');
  assert.equal(moved.map((r) => r.detail!.attached), [...Array(9).fill(false), true]);
  assert.ok(moved.every((r) => r.partition === `tweet_${m6.suffix}`));
  assert.equal(moved.map((r) => r.detail!.rows), Array(10).fill({ tweet: 100, star: 100 }));
  assert.equal(lines(h), [
    ...Array(10).fill(`moved tweet tweet_${m6.suffix}`), ...createdLines([m6, month(7)]), 'maintained tweet',
  ]);
  assert.equal(h.at(-1)!.detail, { 'create:done': 2 });

  assert.equal(await column<string>(c, `SELECT id FROM tweet_${m6.suffix} ORDER BY id`), tweetIds);
  assert.equal(await column<string>(c, `SELECT id || ':' || tweet_id FROM star_${m6.suffix} ORDER BY id`), stars);
  assert.is(await count(c, 'tweet_default'), 0);
  assert.is(await count(c, 'star_default'), 0);
  assert.is(await count(c, 'tweet'), 1003);
  assert.is(await joinedStars(c), 1003);
  assert.equal(await fkTargets(c, `star_${m6.suffix}`), [`tweet_${m6.suffix}`]);
  assert.equal(await column(c, `SELECT convalidated FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'`, [`star_${m6.suffix}`]), [true]);
  assert.is(await count(c, 'parting.offline'), 0);
  assert.equal(await partitionsOf(c, 'tweet'), months(0, 7).map((m) => `tweet_${m.suffix}`));
});

Drain('attach_partition moves in the rows of its key that reached the default partition while it was detached', async (ctx) => {
  const c = ctx.db!.client;
  const m1 = month(1);
  assert.equal(await detach(c, m1.key), [`public.star_${m1.suffix}`, `public.tweet_${m1.suffix}`]);
  await insertPairs(c, m1, 2, 'late');
  assert.is(await count(c, 'tweet_default'), 2);
  assert.is(await count(c, 'star_default'), 2);
  const since = await lastHistoryId(c);
  assert.equal(await attach(c, m1.key), [`tweet_${m1.suffix}`, `star_${m1.suffix}`]);
  assert.is(await count(c, 'tweet_default'), 0);
  assert.is(await count(c, 'star_default'), 0);
  assert.equal(await column(c, `SELECT DISTINCT tableoid::regclass::text FROM tweet WHERE "user" LIKE 'late%'`), [`tweet_${m1.suffix}`]);
  assert.equal(await column(c, `SELECT DISTINCT tableoid::regclass::text FROM star WHERE "user" = 'late'`), [`star_${m1.suffix}`]);
  assert.is(await joinedStars(c), 1005);
  const h = await historySince(c, since);
  assert.equal(lines(h), [`attached tweet tweet_${m1.suffix}`, `attached star star_${m1.suffix}`]);
  assert.equal(h[0]!.detail, { was: 'detached', moved_from_default: { tweet: 2, star: 2 } });
});

Drain.run();

// ── 8. failure isolation ───────────────────────────────────────────────────

function twoRoots(): ConfigInput {
  const cfg = monthlyTweetStar({ premake: 2, initial: false }) as ConfigInput & { models: Record<string, unknown> };
  cfg.models.log = {
    columns: { id: 'bigint generated always as identity', at: 'timestamptz not null default now()', msg: 'text' },
    primaryKey: ['id'],
    partition: { by: 'range', column: 'at', interval: '1 month', premake: 2, initial: false },
  };
  return cfg;
}

const Isolation = dbSuite('run_maintenance: a failing family is logged and isolated', 'maint_isolation', twoRoots(),
  async (c) => {
    await c.query(`CREATE TABLE public.tweet_${month(1).suffix} (x int)`);
  });

Isolation("tweet fails at current+1 (a plain table in the way): 'failed' logged, no later month made, log gets all of its", async (ctx) => {
  const c = ctx.db!.client;
  const m1 = month(1);
  await call(c);
  const h = await historySince(c, 0);
  assert.equal(lines(h).map((l) => (l.startsWith('failed tweet') ? 'failed tweet' : l)), [
    ...months(0, 2).map((m) => `created log log_${m.suffix}`), 'maintained log',
    `created tweet tweet_${month(0).suffix}`, `created star star_${month(0).suffix}`, 'failed tweet', 'maintained tweet',
  ]);
  const failed = h.find((r) => r.action === 'failed')!;
  assert.is(failed.detail!.step, 'create');
  assert.is(failed.detail!.sqlstate, '42P07');
  assert.match(String(failed.detail!.error), `table public.tweet_${m1.suffix} exists but is not a partition of`);
  assert.equal(h.find((r) => r.action === 'maintained' && r.model === 'tweet')!.detail, { 'create:done': 1, 'create:failed': 1, 'create:held': 1 });
  assert.equal(h.find((r) => r.action === 'maintained' && r.model === 'log')!.detail, { 'create:done': 3 });

  assert.equal(await partitionsOf(c, 'tweet'), [`tweet_${month(0).suffix}`]);
  assert.equal(await partitionsOf(c, 'star'), [`star_${month(0).suffix}`]);
  assert.not.ok(await exists(c, `public.tweet_${month(2).suffix}`), 'no month after the failed one (no gap)');
  assert.not.ok(await exists(c, `public.star_${m1.suffix}`));
  assert.equal(await partitionsOf(c, 'log'), months(0, 2).map((m) => `log_${m.suffix}`));
});

Isolation('once the table is out of the way, the next run fills current+1 and +2', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`DROP TABLE public.tweet_${month(1).suffix}`);
  const since = await lastHistoryId(c);
  await call(c, 'tweet');
  assert.equal(lines(await historySince(c, since)), [...createdLines(months(1, 2)), 'maintained tweet']);
  assert.equal(await partitionsOf(c, 'tweet'), months(0, 2).map((m) => `tweet_${m.suffix}`));
});

Isolation.run();

// ── 9. overlapping runs ────────────────────────────────────────────────────

const OLDEST = month(-5);

const Overlap = dbSuite('run_maintenance: a second run while one is under way does nothing', 'maint_overlap',
  withRetention(monthlyTweetStar({ premake: 2, initial: false }), '2 months', 'detach'),
  async (c) => {
    await ensure(c, 'tweet', OLDEST.key);
    await insertPairs(c, OLDEST, 2);
    await c.query(`UPDATE parting.config SET lock_timeout = '200ms', lock_tries = 6 WHERE model = 'tweet'`);
  });

async function pidOf(c: pg.Client): Promise<number> {
  return Number(await scalar(c, 'SELECT pg_backend_pid()'));
}

Overlap("A's retire backs off from B's lock; C returns at once with the NOTICE; A logs the retire 'skipped'", async (ctx) => {
  const url = ctx.db!.url;
  const main = ctx.db!.client;
  const since = await lastHistoryId(main);
  await withClients(url, 4, async ([a, b, cc, observer]) => {
    const aPid = await pidOf(a!);
    const bPid = await pidOf(b!);
    const notices: string[] = [];
    cc!.on('notice', (n) => notices.push(n.message ?? ''));

    await b!.query('BEGIN');
    let aDone = false;
    let aRun: Promise<void> | undefined;
    try {
      await b!.query(`SELECT count(*) FROM tweet_${OLDEST.suffix}`); // ACCESS SHARE until B ends
      aRun = call(a!).finally(() => { aDone = true; });
      aRun.catch(() => {});
      // A holds the run's advisory lock from its start to its end.
      let running = false;
      for (let i = 0; i < 2000 && !running; i++) {
        running = (await observer!.query(
          `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = $1 AND granted`, [aPid])).rowCount! > 0;
        if (!running) await new Promise((r) => setTimeout(r, 5));
      }
      assert.ok(running, 'A is running');
      await call(cc!);
      assert.not.ok(aDone, 'A is still running (held up by B) when C returns');
      assert.equal(notices, [`parting.run_maintenance is already running (pid ${aPid}): this call does nothing`]);
      await aRun; // B holds its lock until A has given up
    } finally {
      await aRun?.catch(() => {});
      await b!.query('COMMIT');
    }

    const h = await historySince(observer!, since);
    assert.equal(lines(h), [...createdLines(months(-2, 2)), `skipped tweet tweet_${OLDEST.suffix}`, 'maintained tweet']);
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

// ── 10. integer range retention ────────────────────────────────────────────

const intConfig: ConfigInput = {
  models: {
    ev: {
      columns: { id: 'bigint not null', body: 'text' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'id', interval: 1000, premake: 1, initial: false, retention: { keep: 2, action: 'detach' } },
    },
  },
};

const IntRange = dbSuite('run_maintenance: integer range, keep 2 partitions, premake 1', 'maint_int', intConfig, async (c) => {
  for (let k = 0; k <= 5000; k += 1000) await c.query(`SELECT parting.ensure_partition('ev', $1)`, [String(k)]);
  await c.query(`INSERT INTO ev (id, body) SELECT g, 'x' FROM generate_series(0, 5500, 250) g`);
});

IntRange('the plan: current = the partition of max(id) 5500; create 6000 (5000 exists); retire upper <= 5500 - 2*1000', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await rows(c, `SELECT step, arg FROM parting._plan(parting._model('ev'))`), [
    { step: 'create', arg: '6000' },
    { step: 'retire', arg: '0' }, { step: 'retire', arg: '1000' }, { step: 'retire', arg: '2000' },
  ]);
});

IntRange('run_maintenance makes ev_6000 and detaches ev_0, ev_1000, ev_2000', async (ctx) => {
  const c = ctx.db!.client;
  const since = await lastHistoryId(c);
  await call(c);
  const h = await historySince(c, since);
  assert.equal(lines(h), ['created ev ev_6000', 'detached ev ev_0', 'detached ev ev_1000', 'detached ev ev_2000', 'maintained ev']);
  assert.equal(h.at(-1)!.detail, { 'create:done': 1, 'retire:done': 3 });
  assert.equal(await rows(c, `SELECT partition::text, lower, upper FROM parting.partitions('ev') WHERE state = 'attached' ORDER BY lower::bigint`), [
    { partition: 'ev_3000', lower: '3000', upper: '4000' },
    { partition: 'ev_4000', lower: '4000', upper: '5000' },
    { partition: 'ev_5000', lower: '5000', upper: '6000' },
    { partition: 'ev_6000', lower: '6000', upper: '7000' },
  ]);
  assert.equal(await partitionsOf(c, 'ev', 'detached'), ['ev_0', 'ev_1000', 'ev_2000']);
  assert.is(await count(c, 'ev'), 11); // 3000..5500 step 250
  assert.is(await count(c, 'ev_0') + await count(c, 'ev_1000') + await count(c, 'ev_2000'), 12);
});

IntRange.run();
