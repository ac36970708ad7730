// Upgrading in place from every earlier schema revision. Each test/fixtures/rev<N>/install.sql
// is the install script pgpart built at that revision from test/fixtures/rev<N>/upgrade.config.ts,
// kept verbatim (revision 1 at commit 7da8f01, revision 2 at commit a7e9fec). Over a database
// it made, holding rows (one waiting in the default partition) and a detached month, today's
// install of the same config leaves the parting schema exactly as a fresh install makes it
// (tables, columns, constraints, indexes, routines: the numbered migrations ran, in order,
// once), no stale overload behind, and the old partitions keep working; then a changed
// config (a column and an index) reaches them too, and so do retention into an archive
// tablespace and dropAfter.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { compile } from '../../src/build.js';
import { schemaRevision } from '../../src/emit/render.js';
import { freshDatabase, psqlFile, type FreshDatabase } from '../harness/db.js';
import { install, installed } from '../harness/install.js';
import { createTablespace, type Tablespace } from '../harness/tablespace.js';
import { catalog } from './catalog.js';
import { column, logged, pgError, rows, scalar } from './helpers.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

/** test/fixtures/rev<N>/upgrade.config.ts, as a ConfigInput (the same config at every revision). */
const config: ConfigInput = {
  models: {
    tweet: {
      columns: { id: 'bigint generated always as identity', user: 'text not null', created_at: 'timestamptz not null default now()' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'created_at', interval: '1 month', premake: 1, default: true },
    },
    star: {
      columns: { id: 'bigint generated always as identity', user: 'text not null' },
      primaryKey: ['id'],
      partitionForeignKey: { column: 'tweet_id', references: 'tweet' },
    },
  },
};

/** The parting schema's shape; its routines' bodies too. */
const partingShape = (c: pg.Client) => catalog(c, { schemas: ['parting'] });

let fresh: Awaited<ReturnType<typeof partingShape>> | undefined;
async function freshShape(): Promise<Awaited<ReturnType<typeof partingShape>>> {
  if (!fresh) {
    const db = await installed('upgrade_fresh', config);
    try { fresh = await partingShape(db.client); } finally { await db.drop(); }
  }
  return fresh;
}

for (const revision of [1, 2]) {
  const file = path.join(fixtures, `rev${revision}`, 'install.sql');
  const Upgrade = suite<{ db?: FreshDatabase; space?: Tablespace }>(`upgrade from schema revision ${revision}`, {});
  Upgrade.before((ctx) => logged('setup', async () => {
    assert.match(readFileSync(file, 'utf8'), new RegExp(`^-- pgpart 0\\.1\\.0 install script, schema revision ${revision}\\.`));
    ctx.db = await freshDatabase(`upgrade_rev${revision}`);
    const old = await psqlFile(ctx.db.url, file);
    assert.is(old.code, 0, old.stderr);
    const c = ctx.db.client;
    await c.query(`WITH t AS (INSERT INTO tweet ("user") VALUES ('old') RETURNING id, created_at)
                   INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'old', id, created_at FROM t`);
    // A row beyond the premade months waits in the default partition.
    await c.query(`WITH t AS (INSERT INTO tweet ("user", created_at) VALUES ('ahead', now() + interval '3 months') RETURNING id, created_at)
                   INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'ahead', id, created_at FROM t`);
    // A month made by the old runtime and, from revision 2 (which can), detached.
    await c.query(`SELECT parting.ensure_partition('tweet', '2020-01')`);
    await c.query(`WITH t AS (INSERT INTO tweet ("user", created_at) VALUES ('2020', '2020-01-10') RETURNING id, created_at)
                   INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT '2020', id, created_at FROM t`);
    if (revision >= 2) await c.query(`SELECT parting.detach_partition('tweet', '2020-01')`);
  }));
  Upgrade.after(async (ctx) => {
    await ctx.db?.drop();
    await ctx.space?.drop();
  });

  Upgrade('today\'s install.sql runs over it: the parting schema as a fresh install makes it, no stale overload', async (ctx) => {
    const c = ctx.db!.client;
    await install(ctx.db!.url, config);
    assert.is(await scalar(c, `SELECT schema_revision FROM parting.meta`), schemaRevision());
    assert.equal(await partingShape(c), await freshShape());
    assert.equal(await column(c, `SELECT proname::text FROM pg_proc WHERE pronamespace = 'parting'::regnamespace
                                   GROUP BY proname HAVING count(*) > 1 ORDER BY 1`), ['partition_for'], 'only partition_for is overloaded on purpose');
  });

  Upgrade('the new runtime maintains the old partitions: premake, drain, detach and attach back; no row lost', async (ctx) => {
    const c = ctx.db!.client;
    await c.query(`UPDATE parting.config SET premake = 3 WHERE model = 'tweet'`);
    await c.query(`CALL parting.run_maintenance()`);
    assert.equal(await column(c, `SELECT action FROM parting.history WHERE action IN ('failed', 'skipped')`), []);
    assert.equal(await column(c, `SELECT tableoid::regclass::text FROM tweet WHERE "user" = 'ahead'`),
      [`tweet_${await scalar<string>(c, `SELECT to_char(now() + interval '3 months', 'YYYY_MM')`)}`], 'drained out of the default');
    const month = await scalar<string>(c, `SELECT to_char(now(), 'YYYY-MM')`);
    assert.equal(await column(c, `SELECT parting.detach_partition('tweet', $1)`, [month]).then((r) => r.length), 2);
    assert.equal(await column(c, `SELECT count(*)::int FROM tweet WHERE "user" = 'old'`), [0]);
    assert.equal((await column(c, `SELECT parting.attach_partition('tweet', $1)`, [month])).length, 2);
    assert.equal(await column(c, `SELECT count(*)::int FROM star s JOIN tweet t ON t.id = s.tweet_id AND t.created_at = s.tweet_created_at`),
      [revision >= 2 ? 2 : 3], 'the old and the drained row, and the 2020 one unless it is detached');
  });

  Upgrade('a changed config reaches the partitions the old pgpart made (the month it detached too), which come back', async (ctx) => {
    const c = ctx.db!.client;
    const changedConfig = structuredClone(config) as ConfigInput & { models: Record<string, Record<string, any>> };
    changedConfig.models.tweet!.columns.lang = "text not null default 'en'";
    changedConfig.models.tweet!.indexes = [{ columns: ['lang'] }];
    await install(ctx.db!.url, changedConfig);
    const lacking = await column<string>(c, `
      SELECT t.rel::text FROM parting._model_tables(parting._model('tweet')) t
       WHERE NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = t.rel AND a.attname = 'lang')`);
    assert.equal(lacking, []);
    assert.equal(await column(c, `SELECT lang FROM tweet_2020_01`), ['en']);
    if (revision >= 2) assert.equal((await column(c, `SELECT parting.attach_partition('tweet', '2020-01')`)).length, 2);
    assert.equal(await column(c, `SELECT "user" FROM tweet WHERE lang = 'en' AND created_at < '2021-01-01'`), ['2020']);
  });

  Upgrade('retention, an archive tablespace and dropAfter reach the old install: archived, moved, then dropped; check() clean', async (ctx) => {
    const c = ctx.db!.client;
    // Dropped after the database (the archive table is made in it): Upgrade.after.
    const space = ctx.space = await createTablespace('pgpart_upgrade');
    {
      const later = structuredClone(config) as ConfigInput & { models: Record<string, Record<string, any>> };
      later.models.tweet!.columns.lang = "text not null default 'en'";
      later.models.tweet!.indexes = [{ columns: ['lang'] }];
      const range = later.models.tweet!.partition as { retention?: unknown };
      range.retention = { keep: '2 years', action: 'archive' };
      for (const m of ['tweet', 'star']) later.models[m]!.archiveTablespace = space.name;
      await install(ctx.db!.url, later);
      await c.query(`CALL parting.run_maintenance()`);
      assert.equal(await column(c, `SELECT action FROM parting.history WHERE action IN ('failed', 'skipped')`), []);
      assert.equal(await column(c, `SELECT partition::text || ' ' || state || ' ' || tablespace FROM parting.partitions() WHERE key = '2020_01' ORDER BY model DESC`),
        [`archive.tweet_2020_01 archived ${space.name}`, `archive.star_2020_01 archived ${space.name}`]);
      assert.equal(await column(c, `SELECT "user" FROM archive.tweet`), ['2020']);
      // The months between 2020-01 (made by hand) and the current one were never made: a gap
      // check() reports and leaves; maintenance does not fill it (nothing was missed).
      assert.equal(await column(c, `SELECT problem || ' ' || repairable FROM parting.check()`), ['gap false']);

      range.retention = { keep: '2 years', action: 'archive', dropAfter: '5 years' };
      await install(ctx.db!.url, later);
      await c.query(`CALL parting.run_maintenance()`);
      assert.equal(await column(c, `SELECT partition FROM parting.history WHERE action = 'dropped' ORDER BY id`), ['star_2020_01', 'tweet_2020_01']);
      assert.equal(await column(c, `SELECT count(*)::int FROM archive.tweet`), [0]);
      assert.equal(await column(c, `SELECT problem FROM parting.check()`), []);
    }
  });

  Upgrade.run();
}

// The project-wide settings moved out of parting.config into one row (parting.settings): an
// upgraded database keeps the values its rows held, and where rows disagreed (edited by
// hand) each setting takes the documented one (sql/migrations/0008_settings.sql): the
// shortest lock_timeout, the most lock_tries, the smallest drain_batch, the archive_schema
// most rows name (ties: first by name). `pgpart plan` then shows what the config changes.
const Settings = suite<{ db?: FreshDatabase }>('upgrade: settings out of the config rows', {});
Settings.before((ctx) => logged('setup', async () => {
  ctx.db = await freshDatabase('upgrade_settings');
  const old = await psqlFile(ctx.db.url, path.join(fixtures, 'rev2', 'install.sql'));
  assert.is(old.code, 0, old.stderr);
}));
Settings.after(async (ctx) => ctx.db?.drop());

Settings('rows that disagree give one row by the rules; the plan shows what the config changes; the install writes it', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`UPDATE parting.config SET lock_timeout = '5s', lock_tries = 3, drain_batch = 500, archive_schema = 'old_archive' WHERE model = 'tweet'`);
  await c.query(`UPDATE parting.config SET lock_timeout = '2s', lock_tries = 9, drain_batch = 800, archive_schema = 'archive' WHERE model = 'star'`);
  const compiled = compile(config);
  await c.query('BEGIN');
  try {
    await c.query(compiled.runtimeSql);
    assert.equal(await rows(c, `SELECT lock_timeout, lock_tries, archive_schema, drain_batch, catch_up, history_keep, analyze_parents FROM parting.settings`),
      [{ lock_timeout: '2s', lock_tries: 9, archive_schema: 'archive', drain_batch: 500, catch_up: 100, history_keep: '30 days', analyze_parents: false }]);
    assert.equal(await column(c, `SELECT detail FROM parting.plan($1::jsonb) WHERE change = 'update settings'`, [JSON.stringify(compiled.desired)]),
      ['drain_batch: 500 → 10000, lock_timeout: "2s" → "300ms", lock_tries: 9 → 5']);
  } finally {
    await c.query('ROLLBACK');
  }
  await install(ctx.db!.url, config);
  assert.equal(await rows(c, `SELECT lock_timeout, lock_tries, archive_schema, drain_batch FROM parting.settings`),
    [{ lock_timeout: '300ms', lock_tries: 5, archive_schema: 'archive', drain_batch: 10000 }]);
  assert.equal(await column(c, `SELECT problem FROM parting.check() WHERE problem = 'config changed'`), []);
  // Changed by hand, the settings are a changed config for check(); the next install puts them back.
  await c.query(`UPDATE parting.settings SET catch_up = 7`);
  assert.equal(await column(c, `SELECT problem FROM parting.check() WHERE problem = 'config changed'`), ['config changed']);
  await install(ctx.db!.url, { ...config, catchUp: 8 });
  assert.equal(await column(c, `SELECT catch_up FROM parting.settings`), [8]);
  assert.equal(await column(c, `SELECT detail ->> 'detail' FROM parting.history WHERE action = 'reconciled' AND detail ->> 'change' = 'update settings' ORDER BY id DESC LIMIT 1`),
    ['catch_up: 7 → 8']);
});

Settings.run();

// Archive tables the old pgpart made have no key guard: today's install gives them one, so an
// UPDATE moving an archived tweet with stars to another archived month is refused rather than
// deleting or stranding its stars; inside its month the key change reaches the stars.
const ArchiveGuard = suite<{ db?: FreshDatabase }>('upgrade from schema revision 2: archive tables get the key guard', {});
ArchiveGuard.before((ctx) => logged('setup', async () => {
  ctx.db = await freshDatabase('upgrade_archive_guard');
  const old = await psqlFile(ctx.db.url, path.join(fixtures, 'rev2', 'install.sql'));
  assert.is(old.code, 0, old.stderr);
  const c = ctx.db.client;
  for (const key of ['2019-11', '2019-12']) await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [key]);
  await c.query(`WITH t AS (INSERT INTO tweet ("user", created_at) VALUES ('starred', '2019-11-10') RETURNING id, created_at)
                 INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'old', id, created_at FROM t`);
  await c.query(`INSERT INTO tweet ("user", created_at) VALUES ('lone', '2019-11-11')`);
  for (const key of ['2019-11', '2019-12']) await c.query(`SELECT parting.detach_partition('tweet', $1, 'archive')`, [key]);
}));
ArchiveGuard.after(async (ctx) => ctx.db?.drop());

ArchiveGuard('the install adds the guard to the old archive table: a cross-month move refused, an in-month one carried, a lone row moves', async (ctx) => {
  const c = ctx.db!.client;
  const guarded = () => column(c, `SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'pgpart_key_guard' AND tgparentid = 0 ORDER BY 1`);
  assert.equal(await guarded(), []);
  await install(ctx.db!.url, config);
  assert.equal(await partingShape(c), await freshShape());
  assert.equal(await guarded(), ['archive.tweet', 'tweet']);
  const id = await scalar<string>(c, `SELECT id::text FROM archive.tweet WHERE "user" = 'starred'`);
  const e = await pgError(c, `UPDATE archive.tweet SET created_at = '2019-12-10' WHERE id = $1`, [id]);
  assert.is(e.code, '23001', e.message);
  assert.match(e.message, /^model "tweet": the archived row id = \d+ has rows of model "star" depending on it/);
  await c.query(`UPDATE archive.tweet SET created_at = '2019-11-20' WHERE id = $1`, [id]);
  assert.equal(await rows(c, `SELECT tableoid::regclass::text AS t, tweet_created_at::date::text AS k FROM archive.star WHERE tweet_id = $1`, [id]),
    [{ t: 'archive.star_2019_11', k: '2019-11-20' }]);
  await c.query(`UPDATE archive.tweet SET created_at = '2019-12-11' WHERE "user" = 'lone'`);
  assert.equal(await column(c, `SELECT tableoid::regclass::text FROM archive.tweet WHERE "user" = 'lone'`), ['archive.tweet_2019_12']);
});

ArchiveGuard.run();
