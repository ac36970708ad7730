// `pgpart move`, the built CLI in a child process, on real tablespaces.
//
// --online (where the server has pg_repack: Debian's 15 must): last month's tweet/star family,
// seeded, moved with pg_repack while 3 writers insert a tweet and its star per transaction
// into that month and the current one. To know (by counts, not times) that writers wrote
// into that month while its table was being rewritten, a transaction is held open from
// before the move: pg_repack, having copied tweet_<month>, waits for it while it replays
// what writers logged meanwhile ("Waiting for 1 transactions to finish"); the test lets it
// go once the writers have committed more rows into that month. Afterwards: no writer
// failed, every committed row is there exactly once, the family's tables, indexes and TOAST
// are in the tablespace, foreign keys and index attachments whole (parting.check()), one
// `moved` row per table in parting.history with why `pg_repack`. Then: a detached and an
// archived month moved online (other schemas, other states), a second move changing
// nothing, a pg_repack of another version and a --pg-repack naming nothing refused.
//
// Everywhere: the same family moved without --online (parting.set_tablespace), the rows
// printed and the tables in the tablespace; the refusals: no pg_repack extension (exit 1,
// with CREATE EXTENSION), an unknown tablespace (exit 1, named), an unknown or dependent
// model (exit 2, the database's error, as in `pgpart status`), no pgpart (exit 2).

import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { runCli, startCli, type Running } from '../harness/cli.js';
import { freshDatabase, withClients, type FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { suiteNeeding } from '../harness/needs.js';
import { createTablespace, type Tablespace } from '../harness/tablespace.js';
import { logged, month, monthlyTweetStar, rows, scalar, type Month } from './helpers.js';
import {
  assertConsistent, checkRows, everyRow, family, historySince, lastHistoryId, newRecorder, startWriters, timeIn,
} from './maintenance-helpers.js';
import { until } from './wait.js';

const MOVED = month(-1);
const NOW = month(0);
const [DETACHED, ARCHIVED] = [month(-3), month(-2)];
const SEEDED = 5000;

/** Each table of the month's family (public or archive) with its indexes and TOAST, and the tablespace each is in. */
async function placeOf(c: pg.Client, m: Month, schema = 'public'): Promise<{ rel: string; space: string }[]> {
  return rows(c, `
    WITH t AS (SELECT r.oid, r.reltoastrelid FROM pg_class r
                WHERE r.oid IN (to_regclass($1), to_regclass($2)))
    SELECT x.oid::regclass::text AS rel, parting._tablespace_of(x.oid) AS space FROM (
      SELECT oid FROM t
      UNION ALL SELECT reltoastrelid FROM t WHERE reltoastrelid <> 0
      UNION ALL SELECT i.indexrelid FROM pg_index i WHERE i.indrelid IN (SELECT oid FROM t)
      UNION ALL SELECT i.indexrelid FROM pg_index i WHERE i.indrelid IN (SELECT reltoastrelid FROM t)) x
    ORDER BY 1`, [`${schema}.tweet_${m.suffix}`, `${schema}.star_${m.suffix}`]);
}

async function spacesOf(c: pg.Client, m: Month, schema = 'public'): Promise<string[]> {
  const place = await placeOf(c, m, schema);
  assert.ok(place.length >= 8, `the tables, their indexes and TOAST of ${schema}.*_${m.suffix}: ${JSON.stringify(place)}`);
  return [...new Set(place.map((p) => p.space))];
}

/** Waits until the running CLI has said what `re` matches on stderr (failing at once should it exit first). */
function said(run: Running, re: RegExp): Promise<true> {
  return until(`the CLI says ${re}`, () => re.test(run.stderr()), { unless: run.done });
}

async function seed(c: pg.Client, m: Month, n: number): Promise<void> {
  await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [m.key]);
  await c.query(`
    WITH t AS (
      INSERT INTO tweet (json, "user", created_at)
      SELECT jsonb_build_object('n', g, 'text', repeat('x', 200)), 'seed', $1::timestamptz + (g % 2000000) * interval '1 second'
        FROM generate_series(1, $2::int) g
      RETURNING id, created_at)
    INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'seed', id, created_at FROM t`, [m.lower, n]);
}

const config = monthlyTweetStar({ premake: 1, initial: true });

// ── online, with pg_repack ─────────────────────────────────────────────────

interface Ctx { db?: FreshDatabase; space?: Tablespace }

const Online = suiteNeeding<Ctx>('pgpart move --online: pg_repack while writers write', ['pg_repack'], {});
Online.before((ctx) => logged('move --online: setup', async () => {
  ctx.space = await createTablespace('pgpart_move');
  const db = ctx.db = await installed('move_online', config);
  await db.client.query('CREATE EXTENSION pg_repack');
  for (const m of [MOVED, DETACHED, ARCHIVED]) await seed(db.client, m, m === MOVED ? SEEDED : 50);
  await db.client.query(`SELECT parting.detach_partition('tweet', $1)`, [DETACHED.key]);
  await db.client.query(`SELECT parting.detach_partition('tweet', $1, 'archive')`, [ARCHIVED.key]);
}));
Online.after(async (ctx) => {
  await ctx.db?.drop();
  await ctx.space?.drop();
});

Online('writers into the month and the current one: none fails, every row once, the family in the tablespace, logged per table', async (ctx) => {
  const db = ctx.db!;
  const c = db.client;
  const ts = ctx.space!.name;
  assert.equal(await spacesOf(c, MOVED), ['pg_default']);
  const since = await lastHistoryId(c);
  const rec = newRecorder();
  const intoMoved = (): number => [...rec.tweets.values()].filter((at) => at.startsWith(MOVED.key)).length;
  await withClients(db.url, 4, async ([gate, ...writers]) => {
    // Open before pg_repack looks: it waits for this transaction before its swap.
    await gate!.query('BEGIN');
    await gate!.query('SELECT 1');
    const run = startWriters(writers, rec, (w, i) => timeIn(i % 2 === 0 ? MOVED : NOW, w * 10_000 + i));
    try {
      await run.reached(20);
      const move = startCli(['move', 'tweet', MOVED.key, ts, '--online', '--database-url', db.url]);
      await said(move, new RegExp(`repacking table "public\\.tweet_${MOVED.suffix}"`));
      // tweet_<month> is copied; pg_repack replays what writers log while it waits for the gate.
      await said(move, /Waiting for \d+ transactions to finish/);
      const before = intoMoved();
      await until(`the writers commit 50 rows into ${MOVED.key} while pg_repack waits`,
        () => intoMoved() >= before + 50 || run.failures.length > 0, { unless: move.done });
      const during = intoMoved() - before;
      await gate!.query('COMMIT');
      const r = await move.done;
      const after = intoMoved();
      await run.stop(10);
      assert.is(r.code, 0, r.stderr);
      assert.ok(during >= 50, `writers committed ${during} rows into ${MOVED.key} while pg_repack rewrote tweet_${MOVED.suffix}`);
      assert.ok(after > before, `and ${after - before} from then to the end of the move`);
      assert.match(r.stdout, new RegExp(`^tweet ${MOVED.key} → ${ts}, online with \\S*pg_repack 1\\.4\\.\\d+ `));
      assert.match(r.stdout, new RegExp(`\n {3}tweet +public\\.tweet_${MOVED.suffix} +pg_default +${ts} +\\d+\\.\\d (kB|MB) +\\d+ ms\n`), r.stdout);
      assert.match(r.stdout, new RegExp(`\n {3}star +public\\.star_${MOVED.suffix} +pg_default +${ts} +\\d+\\.\\d (kB|MB) +\\d+ ms\n`), r.stdout);
      assert.match(r.stdout, /\n2 table\(s\) moved, \d+\.\d (kB|MB), in \d+ ms\n$/);
    } finally {
      await run.halt();
      await gate!.query('ROLLBACK').catch(() => {});
    }
  });
  assert.ok([...rec.tweets.values()].some((at) => at.startsWith(NOW.key)), 'writers wrote into the current month too');
  assert.equal(await spacesOf(c, MOVED), [ts], 'tables, indexes and TOAST in the tablespace');
  assert.equal(await spacesOf(c, NOW), ['pg_default'], 'the current month stays');
  const found = await everyRow(c);
  checkRows(found, rec, (u) => /^w\d$/.test(u));
  assert.is(found.tweets.filter((t) => t.user === 'seed' && t.rel === `tweet_${MOVED.suffix}`).length, SEEDED, 'the seeded tweets');
  assert.is(found.stars.filter((s) => s.user === 'seed' && s.rel === `star_${MOVED.suffix}`).length, SEEDED, 'the seeded stars');
  assertConsistent(await family(c), 'after the move');
  assert.equal(await rows(c, 'SELECT problem, partition::text FROM parting.check()'), [], 'foreign keys, indexes attached, bounds: whole');
  const moved = (await historySince(c, since)).filter((h) => h.action === 'moved');
  assert.equal(moved.map((h) => `${h.model} ${h.partition} ${h.detail!.from}→${h.detail!.tablespace} ${h.detail!.why}`),
    [`tweet tweet_${MOVED.suffix} pg_default→${ts} pg_repack`, `star star_${MOVED.suffix} pg_default→${ts} pg_repack`]);
  for (const h of moved) {
    // Its size where it was put; writers have added rows since.
    const now = Number(await scalar(c, 'SELECT pg_total_relation_size($1::regclass)', [`public.${h.partition}`]));
    assert.ok(Number(h.detail!.bytes) > 100_000 && Number(h.detail!.bytes) <= now, `${h.partition}: ${h.detail!.bytes} bytes, ${now} now`);
  }
  // Written through the parent after the swap: the id still comes from the parent's identity.
  const id = await scalar<string>(c, `INSERT INTO tweet ("user", created_at) VALUES ('after', $1) RETURNING id::text`, [MOVED.at(20)]);
  assert.ok(Number(id) > Math.max(...[...rec.tweets.keys()].map(Number)), `a new id (${id}) after the writers' ones`);
});

Online('a detached and an archived month move online too, by their own names', async (ctx) => {
  const db = ctx.db!;
  const c = db.client;
  const ts = ctx.space!.name;
  const since = await lastHistoryId(c);
  for (const [m, schema, state] of [[DETACHED, 'public', 'detached'], [ARCHIVED, 'archive', 'archived']] as const) {
    assert.equal(await rows(c, `SELECT DISTINCT state FROM parting.partitions('tweet') WHERE partition = $1::regclass`,
      [`${schema}.tweet_${m.suffix}`]), [{ state }]);
    const r = await runCli(['move', 'tweet', m.key, ts, '--online', '--database-url', db.url, '--json']);
    assert.is(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { how: string; moved: { model: string; table: string; from: string; to: string }[] };
    assert.is(report.how, 'pg_repack');
    assert.equal(report.moved.map((x) => `${x.model} ${x.table} ${x.from}→${x.to}`),
      [`tweet ${schema}.tweet_${m.suffix} pg_default→${ts}`, `star ${schema}.star_${m.suffix} pg_default→${ts}`]);
    assert.equal(await spacesOf(c, m, schema), [ts], `${state} ${m.suffix}`);
  }
  assert.equal((await historySince(c, since)).filter((h) => h.action === 'moved').map((h) => `${h.partition} ${h.detail!.why}`),
    [`tweet_${DETACHED.suffix}`, `star_${DETACHED.suffix}`, `tweet_${ARCHIVED.suffix}`, `star_${ARCHIVED.suffix}`].map((p) => `${p} pg_repack`));
  assert.equal(await rows(c, 'SELECT problem, partition::text FROM parting.check()'), []);
  // Still whole: the archived month goes back with its rows.
  await c.query(`SELECT parting.attach_partition('tweet', $1)`, [ARCHIVED.key]);
  assert.is(Number(await scalar(c, `SELECT count(*) FROM tweet_${ARCHIVED.suffix} t JOIN star_${ARCHIVED.suffix} s ON s.tweet_id = t.id`)), 50);
});

Online('a family already there: nothing rewritten, nothing logged', async (ctx) => {
  const db = ctx.db!;
  const since = await lastHistoryId(db.client);
  const r = await runCli(['move', 'tweet', MOVED.key, ctx.space!.name, '--online', '--database-url', db.url]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, `public.tweet_${MOVED.suffix} (tweet) is in ${ctx.space!.name} already, with its indexes: left as it is`);
  assert.match(r.stdout, '\n0 table(s) moved, 0 B, in ');
  assert.not.match(r.stderr, 'repacking');
  assert.equal(await historySince(db.client, since), []);
});

Online('a table pg_repack cannot lock (a reader holds it): given up, the reader left alone, nothing recorded, exit 2', async (ctx) => {
  const db = ctx.db!;
  const ts = ctx.space!.name;
  const since = await lastHistoryId(db.client);
  await withClients(db.url, 1, async ([reader]) => {
    await reader!.query('BEGIN');
    await reader!.query(`SELECT count(*) FROM tweet_${MOVED.suffix}`);
    const r = await runCli(['move', 'tweet', MOVED.key, 'pg_default', '--online', '--wait-timeout', '1', '--database-url', db.url]);
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, 'timed out, do not cancel conflicting backends');
    assert.match(r.stderr, `public.tweet_${MOVED.suffix} is not in tablespace "pg_default" after the move: public.tweet_${MOVED.suffix} (in ${ts})`);
    assert.match(r.stdout, '\n0 table(s) moved, 0 B, in ');
    assert.not.match(r.stderr, `repacking table "public.star_${MOVED.suffix}"`, 'stopped at the first table it could not move');
    assert.is(Number(await scalar(reader!, 'SELECT 1')), 1, 'the reader\'s session is alive, its transaction open');
    await reader!.query('COMMIT');
  });
  assert.equal(await spacesOf(db.client, MOVED), [ts]);
  assert.equal(await historySince(db.client, since), []);
});

Online('a pg_repack client of another version than the extension: refused before anything moves (exit 1)', async (ctx) => {
  const db = ctx.db!;
  const dir = mkdtempSync(path.join(tmpdir(), 'pgpart-fake-repack-'));
  const fake = path.join(dir, 'pg_repack');
  writeFileSync(fake, '#!/bin/sh\necho "pg_repack 1.4.1"\n');
  chmodSync(fake, 0o755);
  const since = await lastHistoryId(db.client);
  const r = await runCli(['move', 'tweet', NOW.key, ctx.space!.name, '--online', '--database-url', db.url, '--pg-repack', fake]);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /the pg_repack extension in database "\S+" is version 1\.4\.\d+, and pg_repack's client must be the same/);
  assert.match(r.stderr, `${fake} (1.4.1)`);
  assert.equal(await spacesOf(db.client, NOW), ['pg_default']);
  assert.equal(await historySince(db.client, since), []);
});

Online('--pg-repack naming nothing: exit 1', async (ctx) => {
  const r = await runCli(['move', 'tweet', NOW.key, ctx.space!.name, '--online', '--pg-repack', '/nonexistent/pg_repack', '--database-url', ctx.db!.url]);
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stderr, '--pg-repack /nonexistent/pg_repack: no such executable\n');
});

Online.run();

// ── everywhere: without --online, and the refusals ────────────────────────

const Offline = suite<Ctx>('pgpart move: set_tablespace, and what it refuses', {});
Offline.before((ctx) => logged('move: setup', async () => {
  ctx.space = await createTablespace('pgpart_move');
  ctx.db = await installed('move_offline', config);
  await seed(ctx.db.client, MOVED, 200);
}));
Offline.after(async (ctx) => {
  await ctx.db?.drop();
  await ctx.space?.drop();
});

Offline('without --online: parting.set_tablespace, each table printed with where it was and its size', async (ctx) => {
  const db = ctx.db!;
  const ts = ctx.space!.name;
  const since = await lastHistoryId(db.client);
  const r = await runCli(['move', 'tweet', MOVED.key, ts, '--database-url', db.url]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  assert.match(r.stdout, new RegExp(`^tweet ${MOVED.key} → ${ts}, with parting\\.set_tablespace \\(ACCESS EXCLUSIVE on each table for its copy\\)\n`));
  for (const m of ['tweet', 'star']) {
    const bytes = Number(await scalar(db.client, `SELECT pg_total_relation_size($1::regclass)`, [`${m}_${MOVED.suffix}`]));
    assert.match(r.stdout, new RegExp(`\n {3}${m} +public\\.${m}_${MOVED.suffix} +pg_default +${ts} +${(bytes / 1024).toFixed(1)} kB +\\d+ ms\n`), r.stdout);
  }
  assert.match(r.stdout, /\n2 table\(s\) moved, \d+\.\d kB, in \d+ ms\n$/);
  assert.equal(await spacesOf(db.client, MOVED), [ts]);
  assert.equal((await historySince(db.client, since)).map((h) => `${h.action} ${h.partition} ${h.detail!.why}`),
    [`moved tweet_${MOVED.suffix} set_tablespace`, `moved star_${MOVED.suffix} set_tablespace`]);
  const back = await runCli(['move', 'tweet', MOVED.key, 'pg_default', '--database-url', db.url, '--json']);
  assert.is(back.code, 0, back.stderr);
  const report = JSON.parse(back.stdout) as { how: string; tablespace: string; moved: { table: string; from: string; to: string; bytes: number }[] };
  assert.is(report.how, 'set_tablespace');
  assert.equal(report.moved.map((m) => `${m.table} ${m.from}→${m.to} ${m.bytes > 0}`),
    [`public.tweet_${MOVED.suffix} ${ts}→pg_default true`, `public.star_${MOVED.suffix} ${ts}→pg_default true`]);
  assert.equal(await spacesOf(db.client, MOVED), ['pg_default']);
});

Offline('no pg_repack extension in the database: --online refused, exit 1, saying CREATE EXTENSION pg_repack', async (ctx) => {
  const db = ctx.db!;
  const r = await runCli(['move', 'tweet', MOVED.key, ctx.space!.name, '--online', '--database-url', db.url]);
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^--online needs the pg_repack extension/);
  assert.match(r.stderr, 'CREATE EXTENSION pg_repack');
  assert.match(r.stderr, 'or move without --online');
  assert.equal(await spacesOf(db.client, MOVED), ['pg_default']);
});

Offline('an unknown tablespace: exit 1, naming it, with and without --online', async (ctx) => {
  const db = ctx.db!;
  for (const online of [[], ['--online']]) {
    const r = await runCli(['move', 'tweet', MOVED.key, 'no_such_space', ...online, '--database-url', db.url]);
    assert.is(r.code, 1, r.stderr);
    assert.is(r.stdout, '');
    assert.is(r.stderr, 'tablespace "no_such_space" does not exist (model "tweet")\nhint: a superuser makes it: CREATE TABLESPACE … LOCATION …; or take it out of the config\n');
  }
});

Offline('an unknown model, a dependent model, a key without a partition: the database\'s error, exit 2', async (ctx) => {
  const db = ctx.db!;
  const ts = ctx.space!.name;
  const unknown = await runCli(['move', 'twet', MOVED.key, ts, '--online', '--database-url', db.url]);
  assert.is(unknown.code, 2);
  assert.is(unknown.stderr, 'database error: unknown model "twet"\ndetail: models: star, tweet\n');
  const dependent = await runCli(['move', 'star', MOVED.key, ts, '--database-url', db.url]);
  assert.is(dependent.code, 2);
  assert.match(dependent.stderr, 'database error: model "star" is partitioned in lockstep with "tweet"\nhint: move the whole family: pgpart move tweet <key> <tablespace>\n');
  const none = await runCli(['move', 'tweet', month(-30).key, ts, '--database-url', db.url]);
  assert.is(none.code, 2);
  assert.match(none.stderr, `database error: model "tweet" has no partition for key "${month(-30).key}"`);
});

Offline('a database without pgpart: exit 2, one line', async () => {
  const bare = await freshDatabase('move_bare');
  try {
    for (const online of [[], ['--online']]) {
      const r = await runCli(['move', 'tweet', MOVED.key, 'pg_default', ...online, '--database-url', bare.url]);
      assert.is(r.code, 2);
      assert.is(r.stdout, '');
      assert.is(r.stderr, 'pgpart is not installed in this database\n');
    }
  } finally {
    await bare.drop();
  }
});

Offline.run();
