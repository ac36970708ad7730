// install.sql as a user runs it (psql -f): one transaction,
// idempotent (a second run changes nothing), upgrades config rows in place, refuses to run
// over a newer install, leaves nothing behind when it fails, and needs no superuser.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { adminUrl, databaseUrl, freshDatabase, newClient, psqlFile, quoteIdent, withAdmin, type FreshDatabase } from '../harness/db.js';
import { writeInstallSql } from '../harness/install.js';
import { column, ensure, logged, rows, scalar } from './helpers.js';

/** The README's example, with first partitions made at install. */
function config(premake = 2): ConfigInput {
  return {
    schema: 'public',
    timezone: 'UTC',
    models: {
      tweet: {
        columns: {
          id: 'bigint generated always as identity',
          json: 'jsonb not null',
          user: 'text not null',
          created_at: 'timestamptz not null default now()',
        },
        primaryKey: ['id'],
        indexes: [{ columns: ['user'] }],
        partition: { by: 'range', column: 'created_at', interval: '1 month', premake },
      },
      star: {
        columns: { id: 'bigint generated always as identity', user: 'text not null' },
        primaryKey: ['id'],
        partitionForeignKey: { column: 'tweet_id', references: 'tweet' },
      },
      tenant_event: {
        columns: { id: 'bigint generated always as identity', tenant: 'text not null', payload: 'jsonb' },
        primaryKey: ['id'],
        partition: { by: 'list', column: 'tenant', initial: ['acme', 'Big Co'] },
      },
    },
  };
}

/** Everything a re-run could touch, in a comparable form. */
async function snapshot(c: pg.Client) {
  return {
    relations: await column<string>(c, `
      SELECT n.nspname || '.' || r.relname || ':' || r.relkind::text
        FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
       WHERE n.nspname IN ('public', 'parting') ORDER BY 1`),
    constraints: await column<string>(c, `
      SELECT conrelid::regclass::text || ':' || conname || ':' || pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace IN ('public'::regnamespace, 'parting'::regnamespace) ORDER BY 1`),
    config: await column<unknown>(c, `SELECT to_jsonb(c) FROM parting.config c ORDER BY model`),
    // The fingerprints an unchanged install records (of the tables the run before made) are
    // the one thing it writes; the test of the second run holds them apart.
    meta: await column<unknown>(c, `SELECT to_jsonb(m) - 'fingerprints' FROM parting.meta m`),
    history: Number(await scalar(c, `SELECT count(*) FROM parting.history`)),
    partitions: await rows(c, `
      SELECT model, partition::text, key, lower, upper, is_default, parent_partition::text, tablespace::text, state
        FROM parting.partitions()`),
    functions: await column<string>(c, `
      SELECT oid::regprocedure::text || ':' || md5(prosrc) FROM pg_proc WHERE pronamespace = 'parting'::regnamespace ORDER BY 1`),
  };
}

/** The config hash install.sql's header names. */
function headerHash(file: string): string {
  const m = /Config hash: (\S+)/.exec(readFileSync(file, 'utf8'));
  assert.ok(m, `no config hash in the header of ${file}`);
  return m[1]!;
}

async function runInstall(url: string, file: string): Promise<void> {
  const r = await psqlFile(url, file);
  assert.is(r.code, 0, `psql -f install.sql failed (exit ${r.code}):\n${r.stderr}`);
}

// ── idempotency and upgrade on one database (tests run in order) ─────────────

const Install = suite<{ db?: FreshDatabase; file?: string; first?: Awaited<ReturnType<typeof snapshot>> }>('install.sql', {});

Install.before(async (ctx) => {
  ctx.db = await logged('creating a database', () => freshDatabase('install'));
  ctx.file = writeInstallSql(config());
});
Install.after(async (ctx) => ctx.db?.drop());

Install('the first run creates the runtime, the parents, the config rows and the first partitions', async (ctx) => {
  const c = ctx.db!.client;
  await runInstall(ctx.db!.url, ctx.file!);
  assert.equal(await column(c, `SELECT model FROM parting.config ORDER BY model`), ['star', 'tenant_event', 'tweet']);
  const meta = (await rows<{ schema_revision: number; version: string; config_hash: string }>(c, `SELECT * FROM parting.meta`))[0]!;
  assert.is(meta.config_hash, headerHash(ctx.file!));
  assert.ok(meta.schema_revision >= 1);
  const parts = await rows<{ model: string; n: string }>(c, `SELECT model, count(*) AS n FROM parting.partitions() GROUP BY 1 ORDER BY 1`);
  assert.equal(parts, [{ model: 'star', n: '3' }, { model: 'tenant_event', n: '2' }, { model: 'tweet', n: '3' }]);
  assert.equal((await column<string>(c, `SELECT key FROM parting.partitions('tenant_event')`)).sort(), ['Big Co', 'acme']);
  ctx.first = await snapshot(c);
  assert.ok(ctx.first.history >= 8, `history has ${ctx.first.history} rows`);
});

Install('the second run succeeds and changes nothing', async (ctx) => {
  const c = ctx.db!.client;
  await runInstall(ctx.db!.url, ctx.file!);
  const second = await snapshot(c);
  const month = await scalar<string>(c, `SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM')`);
  if (!ctx.first!.relations.includes(`public.tweet_${month}:r`)) {
    // A month began between the two runs: the second run rightly made a partition.
    console.log('install: a month began between the two runs; the comparison is skipped');
    return;
  }
  assert.equal(second, ctx.first);
  // It recorded each model's fingerprint (the first run made the tables, so it recorded
  // none); a third run finds them equal and writes nothing at all.
  const recorded = await scalar<Record<string, string> | null>(c, `SELECT fingerprints FROM parting.meta`);
  assert.equal(Object.keys(recorded ?? {}).sort(), ['star', 'tenant_event', 'tweet']);
  const meta = await column(c, `SELECT to_jsonb(m) FROM parting.meta m`);
  await runInstall(ctx.db!.url, ctx.file!);
  assert.equal(await column(c, `SELECT to_jsonb(m) FROM parting.meta m`), meta);
});

Install('a changed config (premake 2 → 4) updates the config rows and meta.config_hash', async (ctx) => {
  const c = ctx.db!.client;
  const before = (await rows<{ config_hash: string; installed_at: Date }>(c, `SELECT * FROM parting.meta`))[0]!;
  const file = writeInstallSql(config(4));
  await runInstall(ctx.db!.url, file);
  const after = (await rows<{ config_hash: string; installed_at: Date }>(c, `SELECT * FROM parting.meta`))[0]!;
  assert.is.not(after.config_hash, before.config_hash);
  assert.is(after.config_hash, headerHash(file));
  assert.ok(after.installed_at.getTime() >= before.installed_at.getTime());
  assert.equal(await rows(c, `SELECT model, premake FROM parting.config ORDER BY model`), [
    { model: 'star', premake: 4 }, { model: 'tenant_event', premake: 0 }, { model: 'tweet', premake: 4 },
  ]);
  // initial: true asks for current + premake, so the two new months exist for the whole family.
  assert.is(Number(await scalar(c, `SELECT count(*) FROM parting.partitions('tweet')`)), 5);
  assert.is(Number(await scalar(c, `SELECT count(*) FROM parting.partitions('star')`)), 5);
  // And that config is now as idempotent as the first one.
  const snap = await snapshot(c);
  await runInstall(ctx.db!.url, file);
  const month = await scalar<string>(c, `SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM')`);
  if (snap.relations.includes(`public.tweet_${month}:r`)) assert.equal(await snapshot(c), snap);
});

Install('an install over a newer schema revision is refused and changes nothing', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`UPDATE parting.meta SET schema_revision = 999`);
  const before = await snapshot(c);
  const r = await psqlFile(ctx.db!.url, ctx.file!);
  assert.is.not(r.code, 0, 'psql should fail');
  assert.match(r.stderr, 'newer pgpart schema revision');
  assert.equal(await snapshot(c), before);
  assert.is(await scalar(c, `SELECT schema_revision FROM parting.meta`), 999);
});

Install.run();

// ── a failing install leaves nothing behind ───────────────────────────────

const Failing = suite<{ db?: FreshDatabase }>('install.sql: one transaction', {});

Failing.before(async (ctx) => {
  ctx.db = await logged('creating a database', () => freshDatabase('install_fail'));
});
Failing.after(async (ctx) => ctx.db?.drop());

Failing('an install that fails midway (a column default calling a missing function) leaves no trace', async (ctx) => {
  const c = ctx.db!.client;
  const bad = config();
  // star's parent table is created after the runtime and tweet's table: the failure is midway.
  bad.models.star!.columns.note = 'text default nope()';
  const r = await psqlFile(ctx.db!.url, writeInstallSql(bad));
  assert.is.not(r.code, 0, 'psql should fail');
  assert.match(r.stderr, /function nope\(\) does not exist/);
  assert.is(await scalar(c, `SELECT to_regnamespace('parting') IS NULL`), true, 'schema parting exists');
  assert.equal(await column(c, `
    SELECT n.nspname || '.' || r.relname FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`), []);
  assert.equal(await column(c, `SELECT proname::text FROM pg_proc WHERE pronamespace <> 'pg_catalog'::regnamespace
                                   AND pronamespace <> 'information_schema'::regnamespace`), []);
});

Failing.run();

// ── as a non-superuser that owns the database ─────────────────

const Owner = suite<{ role?: string; database?: string; url?: string }>('install.sql: as a non-superuser', {});


Owner.before(async (ctx) => {
  await logged('creating a role and its database', async () => {
    const suffix = randomBytes(4).toString('hex');
    ctx.role = `app_owner_${suffix}`;
    ctx.database = `install_owner_${suffix}`;
    await withAdmin(async (c) => {
      await c.query(`CREATE ROLE ${quoteIdent(ctx.role!)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
      await c.query(`CREATE DATABASE ${quoteIdent(ctx.database!)} OWNER ${quoteIdent(ctx.role!)}`);
    });
    const u = new URL(databaseUrl(adminUrl(), ctx.database));
    u.username = ctx.role;
    u.password = '';
    ctx.url = u.toString();
  });
});

Owner.after(async (ctx) => {
  await withAdmin(async (c) => {
    if (ctx.database) await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(ctx.database)} WITH (FORCE)`);
    if (ctx.role) await c.query(`DROP ROLE IF EXISTS ${quoteIdent(ctx.role)}`);
  });
});

Owner('the database owner installs, re-installs and creates partitions without superuser', async (ctx) => {
  const file = writeInstallSql(config());
  await runInstall(ctx.url!, file);
  await runInstall(ctx.url!, file);
  const c = newClient(ctx.url!);
  await c.connect();
  try {
    assert.equal(await rows(c, `SELECT current_user::text AS who, rolsuper FROM pg_roles WHERE rolname = current_user`),
      [{ who: ctx.role, rolsuper: false }]);
    assert.equal(await ensure(c, 'tweet', '2013-03'), ['tweet_2013_03', 'star_2013_03']);
    assert.equal(await ensure(c, 'tenant_event', 'baz'), ['tenant_event_baz']);
    const id = await scalar<string>(c, `INSERT INTO tweet (json, "user", created_at) VALUES ('{}', 'ann', '2013-03-02+00') RETURNING id`);
    assert.is(await scalar(c, `INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('bob', $1, '2013-03-02+00') RETURNING tableoid::regclass::text`, [id]), 'star_2013_03');
    const owners = await column<string>(c, `
      SELECT DISTINCT pg_get_userbyid(r.relowner)::text FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
       WHERE n.nspname IN ('public', 'parting') AND r.relkind IN ('r', 'p')`);
    assert.equal(owners, [ctx.role]);
    assert.is(await scalar(c, `SELECT pg_get_userbyid(nspowner)::text FROM pg_namespace WHERE nspname = 'parting'`), ctx.role);
  } finally {
    await c.end().catch(() => {});
  }
});

Owner.run();
