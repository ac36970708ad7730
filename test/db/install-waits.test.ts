// Every wait an install causes is bounded. An application session holds SELECT on
// parting.config in an open transaction (the README has applications grant it, for
// partition_for); an upgrade install's migration needs ACCESS EXCLUSIVE on that table, and
// while it asks, every other session's partition_for queues behind it. The migration asks
// under lockTimeout, lockTries times, then gives up naming the holder (pid, role,
// application_name, the lock) and changes nothing, so the queued partition_for gets through
// while the holder's transaction is still open. Once the holder is gone, the install
// succeeds. Likewise the install guard's lock on parting.meta, held by another session.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { schemaRevision } from '../../src/emit/render.js';
import { freshDatabase, newClient, psqlFile, type FreshDatabase, type PsqlResult } from '../harness/db.js';
import { writeInstallSql } from '../harness/install.js';
import { logged, pidOf, scalar } from './helpers.js';
import { until } from './wait.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

/** test/fixtures/rev2/upgrade.config.ts, with a lock timeout long enough to be seen waiting. */
const config: ConfigInput = {
  lockTimeout: '1s',
  lockTries: 3,
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

interface Ctx { db?: FreshDatabase; clients: pg.Client[] }

async function session(ctx: Ctx, name: string): Promise<pg.Client> {
  const c = newClient(ctx.db!.url);
  await c.connect();
  ctx.clients.push(c);
  await c.query(`SET application_name = '${name}'`);
  return c;
}

/** The backend of the install's psql, once it waits for a lock `holder` holds. */
function installWaitingOn(observer: pg.Client, holder: number, run: Promise<PsqlResult>): Promise<number> {
  return until(`the install waits for a lock pid ${holder} holds`, () => scalar<number | null>(observer, `
    SELECT min(a.pid) FROM pg_stat_activity a
     WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND $1 = ANY (pg_blocking_pids(a.pid))`, [holder]),
  { unless: run });
}

const W = suite<Ctx>('install waits: bounded by lockTimeout × lockTries, then the holder named', { clients: [] });
W.before(async (ctx) => {
  ctx.db = await logged('setup', async () => {
    const db = await freshDatabase('install_waits');
    const old = await psqlFile(db.url, path.join(fixtures, 'rev2', 'install.sql'));
    assert.is(old.code, 0, old.stderr);
    return db;
  });
});
W.after(async (ctx) => {
  await Promise.all(ctx.clients.map((c) => c.end().catch(() => {})));
  await ctx.db?.drop();
});

W('an upgrade\'s migration behind an application holding SELECT on parting.config: gives up naming it, partition_for never waits for the holder; installs once it is gone', async (ctx) => {
  const observer = ctx.db!.client;
  const app = await session(ctx, 'app-holder');
  const holder = await pidOf(app);
  await app.query('BEGIN');
  await app.query('SELECT count(*) FROM parting.config');
  const file = writeInstallSql(config);
  const run = psqlFile(ctx.db!.url, file);
  await installWaitingOn(observer, holder, run);
  // Another application session, behind the migration's ACCESS EXCLUSIVE request.
  const other = await session(ctx, 'app-router');
  const routed = other.query(`SELECT parting.partition_for('tweet', now())::text AS p`);
  const r = await until('the install has ended', () => Promise.race([run, Promise.resolve(null)]));
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, /the schema upgrade of parting \(migration \d+\) could not have its locks: gave up after 3 tries of lockTimeout 1s/);
  assert.match(r.stderr, `pid ${holder} (role postgres, application_name 'app-holder'`);
  assert.match(r.stderr, 'holds AccessShareLock on parting.config');
  assert.match(r.stderr, 'HINT:  nothing was changed');
  // The queued partition_for got through, with the holder's transaction still open.
  assert.ok((await routed).rows[0].p);
  assert.is(await scalar(observer, 'SELECT state FROM pg_stat_activity WHERE pid = $1', [holder]), 'idle in transaction');
  assert.is(await scalar(observer, 'SELECT max(schema_revision) FROM parting.meta'), 2, 'nothing was changed');
  // The holder ends: the next install goes through.
  await app.query('COMMIT');
  const again = await psqlFile(ctx.db!.url, file);
  assert.is(again.code, 0, again.stderr);
  assert.is(await scalar(observer, 'SELECT max(schema_revision) FROM parting.meta'), schemaRevision());
});

W('the install guard behind a session holding parting.meta (an install in progress): gives up naming it; installs once it is gone', async (ctx) => {
  const observer = ctx.db!.client;
  const other = await session(ctx, 'another-install');
  const holder = await pidOf(other);
  await other.query('BEGIN');
  await other.query('LOCK TABLE parting.meta IN SHARE ROW EXCLUSIVE MODE');
  const file = writeInstallSql(config);
  const run = psqlFile(ctx.db!.url, file);
  await installWaitingOn(observer, holder, run);
  const r = await until('the install has ended', () => Promise.race([run, Promise.resolve(null)]));
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, 'another session holds parting.meta, so this install cannot start: gave up after 3 tries of lockTimeout 1s');
  assert.match(r.stderr, `pid ${holder} (role postgres, application_name 'another-install'`);
  assert.match(r.stderr, 'holds ShareRowExclusiveLock on parting.meta');
  await other.query('COMMIT');
  const again = await psqlFile(ctx.db!.url, file);
  assert.is(again.code, 0, again.stderr);
});

W.run();
