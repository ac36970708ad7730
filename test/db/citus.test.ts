// pgpart on Citus: the tweet/star config with `distribution: { column: 'id' }` on tweet,
// installed with psql on the coordinator of a Citus cluster the harness starts (a
// coordinator and two workers, test/harness/citus.ts), each scenario in a database of its
// own on every node. Where Citus is not installed for the test run's major, these tests are
// reported as not run, with the reason (test/harness/needs.ts); the refusal on a server
// without Citus runs everywhere.
//
// What is held: the install distributes the parents, their partitions and the archive
// tables by the distribution column, colocated with tweet; run_maintenance makes
// distributed families and retires them (archive, then drop); attach_partition brings an
// archived family back; the partition foreign key is enforced on the workers; a column and
// an index the config adds reach every shard, detached and archived ones too; check()
// reports a table that is not distributed and repair() distributes it; the lock probe,
// reading the coordinator, names a writer that holds the parent, and the step gives up
// under lockTimeout; `pgpart status` runs on the coordinator; a tablespace move is refused;
// the install is refused on a worker, and where the citus extension is missing.

import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { citusDatabase, nodeUrl, startCitus, type CitusCluster } from '../harness/citus.js';
import { freshDatabase, newClient, psqlFile, serverMajor, type FreshDatabase } from '../harness/db.js';
import { install, writeInstallSql } from '../harness/install.js';
import { suiteNeeding } from '../harness/needs.js';
import { suite } from 'uvu';
import { column, ensure, logged, month, monthlyTweetStar, pgError, rows, scalar } from './helpers.js';
import { attach, call, count, detach, insertPairs } from './maintenance-helpers.js';
import { runCli } from '../harness/cli.js';
import { pidOf } from './helpers.js';

type Models = ConfigInput & { models: Record<string, Record<string, unknown> & { partition?: Record<string, unknown>; columns: Record<string, string> }> };

/** tweet distributed by id, star by tweet_id (colocated); `change` edits the copy. */
function distributed(change: (c: Models) => void = () => {}): ConfigInput {
  const cfg = structuredClone(monthlyTweetStar({ premake: 1, initial: true })) as Models;
  cfg.models.tweet!.distribution = { column: 'id' };
  cfg.models.tweet!.partition!.retention = { keep: '3 months', action: 'archive' };
  cfg.models.star!.partitionForeignKey = { column: 'tweet_id', references: 'tweet', onDelete: 'cascade' };
  change(cfg);
  return cfg;
}

interface Dist { rel: string; col: string | null; colocation: number }

/** Every table Citus distributes, with its distribution column and colocation group. */
function distribution(c: pg.Client): Promise<Dist[]> {
  return rows<Dist>(c, `
    SELECT d.logicalrelid::text AS rel, column_to_column_name(d.logicalrelid, d.partkey) AS col, d.colocationid AS colocation
      FROM pg_dist_partition d ORDER BY 1`);
}

/** The tables of the family of month `m`, live or archived, as Citus distributes them. */
async function familyDistribution(c: pg.Client, suffix: string): Promise<Record<string, string>> {
  const all = await distribution(c);
  return Object.fromEntries(all.filter((d) => d.rel.endsWith(`_${suffix}`)).map((d) => [d.rel, `${d.col}@${d.colocation}`]));
}

async function colocationOf(c: pg.Client, rel: string): Promise<number> {
  return Number(await scalar(c, 'SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = $1::regclass', [rel]));
}

/** On every worker: shards of tables named like `pattern` (a regex on relname), and those lacking column `col`. */
async function shardsLacking(cluster: CitusCluster, db: string, pattern: string, col: string): Promise<{ shards: number; lacking: string[] }> {
  let shards = 0;
  const lacking: string[] = [];
  for (const w of cluster.workers) {
    const c = newClient(nodeUrl(w, db));
    await c.connect();
    try {
      // Citus hides shards from other clients' catalog queries on a worker.
      await c.query('SET citus.override_table_visibility TO off');
      const found = await rows<{ rel: string; has: boolean }>(c, `
        SELECT n.nspname || '.' || r.relname AS rel, EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attname = $2 AND NOT a.attisdropped) AS has
          FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
         WHERE r.relkind = 'r' AND r.relname ~ $1`, [pattern, col]);
      shards += found.length;
      lacking.push(...found.filter((f) => !f.has).map((f) => f.rel));
    } finally {
      await c.end();
    }
  }
  return { shards, lacking };
}

/** On every worker: shard indexes whose definition names `col`, per table-name pattern. */
async function shardIndexes(cluster: CitusCluster, db: string, pattern: string, col: string): Promise<{ shards: number; indexed: number }> {
  let shards = 0;
  let indexed = 0;
  for (const w of cluster.workers) {
    const c = newClient(nodeUrl(w, db));
    await c.connect();
    try {
      await c.query('SET citus.override_table_visibility TO off');
      const r = await rows<{ shards: string; indexed: string }>(c, `
        SELECT count(*) AS shards,
               count(*) FILTER (WHERE EXISTS (SELECT FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                                               WHERE i.indrelid = r.oid AND a.attname = $2)) AS indexed
          FROM pg_class r WHERE r.relkind = 'r' AND r.relname ~ $1`, [pattern, col]);
      shards += Number(r[0]!.shards);
      indexed += Number(r[0]!.indexed);
    } finally {
      await c.end();
    }
  }
  return { shards, indexed };
}

const state: { cluster?: CitusCluster } = {};
const reason = 'citus';
const Citus = suiteNeeding('citus', [reason], {} as { db?: FreshDatabase });

const OLD = month(-5);
const NOW = month(0);

Citus.before(async (ctx) => {
  await logged('citus: cluster', async () => {
    state.cluster = await startCitus(serverMajor());
    ctx.db = await citusDatabase(state.cluster, 'citus_main');
  });
});
Citus.after(async (ctx) => {
  await ctx.db?.drop();
  await state.cluster?.stop();
});

Citus('install distributes the parents and their partitions by the distribution column, colocated with the root', async ({ db }) => {
  const file = await install(db!.url, distributed());
  const c = db!.client;
  const d = await distribution(c);
  const tweetGroup = d.find((x) => x.rel === 'tweet')!.colocation;
  for (const m of [NOW, month(1)]) {
    assert.equal(await familyDistribution(c, m.suffix), { [`tweet_${m.suffix}`]: `id@${tweetGroup}`, [`star_${m.suffix}`]: `tweet_id@${tweetGroup}` });
  }
  assert.equal(d.find((x) => x.rel === 'star'), { rel: 'star', col: 'tweet_id', colocation: tweetGroup });
  // Citus needs the distribution column in every unique constraint: pgpart added it.
  assert.equal(await scalar(c, `SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'star'::regclass AND contype = 'p'`),
    'PRIMARY KEY (id, tweet_created_at, tweet_id)');
  // Installed again: nothing to do.
  const before = Number(await scalar(c, `SELECT count(*) FROM parting.history WHERE action = 'reconciled'`));
  const again = await psqlFile(db!.url, file);
  assert.is(again.code, 0, again.stderr);
  assert.is(Number(await scalar(c, `SELECT count(*) FROM parting.history WHERE action = 'reconciled'`)), before);
  assert.equal(await rows(c, `SELECT problem, partition, detail FROM parting.check()`), []);
});

Citus('rows are written through the coordinator and the partition foreign key is enforced on the workers', async ({ db }) => {
  const c = db!.client;
  await insertPairs(c, NOW, 5);
  assert.is(await count(c, 'star'), 5);
  const e = await pgError(c, `INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('x', -1, $1)`, [NOW.at()]);
  assert.is(e.code, '23503');
  assert.match(e.message, /violates foreign key constraint "star_\d{4}_\d{2}_tweet_id_fkey_\d+"/);
  // ON DELETE CASCADE on the shards.
  await c.query(`DELETE FROM tweet WHERE "user" = 'u1'`);
  assert.is(await count(c, 'star'), 4);
});

Citus('ensure_partition and run_maintenance make distributed families; retention archives them into distributed archive tables', async ({ db }) => {
  const c = db!.client;
  assert.equal((await ensure(c, 'tweet', OLD.key)).sort(), [`star_${OLD.suffix}`, `tweet_${OLD.suffix}`]);
  await insertPairs(c, OLD, 3);
  const group = await colocationOf(c, 'tweet');
  assert.equal(await familyDistribution(c, OLD.suffix), { [`tweet_${OLD.suffix}`]: `id@${group}`, [`star_${OLD.suffix}`]: `tweet_id@${group}` });
  // Citus has no DETACH ... CONCURRENTLY: `pgpart maintain --concurrently` leaves this family to run_maintenance.
  assert.equal(await rows(c, 'SELECT * FROM parting._due_concurrently()'), []);
  await call(c);
  assert.equal(await column(c, `SELECT action FROM parting.history WHERE action IN ('failed', 'skipped')`), []);
  assert.equal(await column(c, `SELECT state FROM parting.partitions() WHERE partition::text LIKE '%' || $1 ORDER BY 1`, [OLD.suffix]), ['archived', 'archived']);
  assert.equal(await familyDistribution(c, OLD.suffix),
    { [`archive.tweet_${OLD.suffix}`]: `id@${group}`, [`archive.star_${OLD.suffix}`]: `tweet_id@${group}` });
  const d = await distribution(c);
  assert.equal(d.filter((x) => x.rel.startsWith('archive.') && !/_\d{4}_\d{2}$/.test(x.rel)),
    [{ rel: 'archive.star', col: 'tweet_id', colocation: group }, { rel: 'archive.tweet', col: 'id', colocation: group }]);
  assert.is(await count(c, 'archive.star'), 3);
  // partitions() sizes a distributed table by its shards (the coordinator's table is empty).
  assert.ok(Number(await scalar(c, `SELECT total_bytes FROM parting.partitions('tweet') WHERE partition = $1::regclass`, [`archive.tweet_${OLD.suffix}`])) > 0);
});

Citus('an archived family is re-attached, then dropped; check() finds nothing wrong', async ({ db }) => {
  const c = db!.client;
  assert.equal(await attach(c, OLD.key), [`tweet_${OLD.suffix}`, `star_${OLD.suffix}`]);
  assert.is(await count(c, `star_${OLD.suffix}`), 3);
  const group = await colocationOf(c, 'tweet');
  assert.equal(await familyDistribution(c, OLD.suffix), { [`tweet_${OLD.suffix}`]: `id@${group}`, [`star_${OLD.suffix}`]: `tweet_id@${group}` });
  assert.equal(await detach(c, OLD.key, 'drop'), [`public.star_${OLD.suffix}`, `public.tweet_${OLD.suffix}`]);
  assert.equal(await familyDistribution(c, OLD.suffix), {});
  assert.equal(await rows(c, `SELECT problem, partition, detail FROM parting.check()`), []);
});

Citus('a column and an index the config adds reach every shard: attached, detached and archived', async ({ db }) => {
  const c = db!.client;
  const { cluster } = state;
  const detached = month(-7);
  const archived = month(-6);
  for (const m of [detached, archived]) {
    await ensure(c, 'tweet', m.key);
    await insertPairs(c, m, 2);
  }
  await detach(c, detached.key, 'detach');
  await detach(c, archived.key, 'archive');
  await install(db!.url, distributed((cfg) => {
    cfg.models.tweet!.columns.lang = 'text';
    (cfg.models.tweet as { indexes?: unknown[] }).indexes = [{ columns: ['lang'] }];
  }));
  const tables = `^tweet_(${detached.suffix}|${archived.suffix}|${NOW.suffix})_\\d+$`;
  const cols = await shardsLacking(cluster!, db!.name, tables, 'lang');
  assert.ok(cols.shards >= 3 * 4, `${cols.shards} shards`);
  assert.equal(cols.lacking, []);
  const ix = await shardIndexes(cluster!, db!.name, `^tweet_(${archived.suffix}|${NOW.suffix})_\\d+$`, 'lang');
  assert.is(ix.indexed, ix.shards);
  await c.query(`INSERT INTO tweet ("user", lang, created_at) VALUES ('l', 'en', $1)`, [NOW.at()]);
  assert.is(Number(await scalar(c, `SELECT count(*) FROM tweet WHERE lang = 'en'`)), 1);
});

Citus('check() reports a table of a distributed model that Citus does not distribute, and repair() distributes it, colocated', async ({ db }) => {
  const c = db!.client;
  const m = month(-7); // detached by the test before
  await c.query(`SELECT undistribute_table($1, cascade_via_foreign_keys => true)`, [`tweet_${m.suffix}`]);
  const problems = await rows<{ partition: string; problem: string; repairable: boolean }>(c,
    `SELECT partition, problem, repairable FROM parting.check() WHERE problem = 'distribution' ORDER BY 1`);
  assert.equal(problems, [
    { partition: `public.star_${m.suffix}`, problem: 'distribution', repairable: true },
    { partition: `public.tweet_${m.suffix}`, problem: 'distribution', repairable: true },
  ]);
  const repaired = await column(c, `SELECT outcome FROM parting.repair() WHERE problem = 'distribution'`);
  assert.equal(repaired, ['repaired', 'repaired']);
  const group = await colocationOf(c, 'tweet');
  assert.equal(await familyDistribution(c, m.suffix), { [`tweet_${m.suffix}`]: `id@${group}`, [`star_${m.suffix}`]: `tweet_id@${group}` });
  assert.equal(await rows(c, `SELECT problem, partition FROM parting.check() WHERE problem = 'distribution'`), []);
  // Attached again: the FK to its parent partition holds.
  assert.equal(await attach(c, m.key), [`tweet_${m.suffix}`, `star_${m.suffix}`]);
});

Citus('a writer holding the parent on the coordinator: the lock probe names it, and detach_partition gives up under lockTimeout', async ({ db }) => {
  const c = db!.client;
  const writer = newClient(db!.url);
  await writer.connect();
  try {
    await writer.query('BEGIN');
    await writer.query(`INSERT INTO tweet ("user", created_at) VALUES ('w', $1)`, [NOW.at()]);
    const e = await pgError(c, `SELECT parting.detach_partition('tweet', $1, 'detach')`, [NOW.key]);
    assert.is(e.code, '55P03');
    assert.ok(new RegExp(`could not take the locks on .* after \\d+ tries: pid ${await pidOf(writer)} holds RowExclusiveLock on public\\.tweet `).test(e.message), e.message);
  } finally {
    await writer.query('ROLLBACK').catch(() => {});
    await writer.end();
  }
  assert.equal(await column(c, `SELECT state FROM parting.partitions('tweet') WHERE partition = $1::regclass`, [`tweet_${NOW.suffix}`]), ['attached']);
});

Citus('pgpart status reads the coordinator; a tablespace move of a distributed family is refused', async ({ db }) => {
  const status = await runCli(['status', '--database-url', db!.url]);
  assert.is(status.code, 0, status.stderr);
  assert.match(status.stdout, /tweet/);
  const e = await pgError(db!.client, `SELECT * FROM parting.set_tablespace('tweet', $1, 'pg_default')`, [NOW.key]);
  assert.is(e.code, '0A000');
  assert.match(e.message, 'model "tweet" is distributed on Citus: pgpart does not move its tables between tablespaces');
});

Citus('install.sql on a worker is refused, pointing to the coordinator', async () => {
  const { cluster } = state;
  const db = await citusDatabase(cluster!, 'citus_refusals');
  try {
    const file = writeInstallSql(distributed());
    const worker = await psqlFile(nodeUrl(cluster!.workers[0]!, db.name), file);
    assert.is.not(worker.code, 0);
    assert.ok(/this database is a Citus worker; run install.sql on the coordinator/.test(worker.stderr), worker.stderr);
    const w = newClient(nodeUrl(cluster!.workers[0]!, db.name));
    await w.connect();
    try {
      assert.is(await scalar(w, `SELECT count(*)::int FROM pg_namespace WHERE nspname = 'parting'`), 0, 'nothing was made');
    } finally {
      await w.end();
    }
  } finally {
    await db.drop();
  }
});

Citus.run();

// On the test run's own server, which does not load Citus: refused, nothing made.
const Plain = suite('citus: a distributed config where Citus is not installed');
Plain('install.sql is refused, saying what to install', async () => {
  const db = await freshDatabase('citus_plain');
  try {
    const res = await psqlFile(db.url, writeInstallSql(distributed()));
    assert.is.not(res.code, 0);
    assert.match(res.stderr, /models\.tweet\.distribution: the model is distributed, but the citus extension is not installed in this database/);
    assert.is(await scalar(db.client, `SELECT count(*)::int FROM pg_class WHERE relname IN ('tweet', 'star')`), 0);
  } finally {
    await db.drop();
  }
});
Plain.run();
