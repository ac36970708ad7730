// Smoke test of the test harness itself: the cluster is real PostgreSQL 15,
// throwaway databases work, and psql reports success and failure faithfully.

import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { adminUrl, freshDatabase, preloadCron, psqlCommand, withClients, type FreshDatabase } from '../harness/db.js';

const Harness = suite<{ db?: FreshDatabase }>('harness', {});

Harness.before(async (ctx) => {
  try {
    ctx.db = await freshDatabase('harness_smoke');
  } catch (err) {
    console.error(err); // uvu swallows errors thrown by before() hooks
    throw err;
  }
});

Harness.after(async (ctx) => {
  await ctx.db?.drop();
});

Harness('freshDatabase connects to a PostgreSQL >= 15 database of its own', async (ctx) => {
  const db = ctx.db!;
  assert.match(db.name, /^harness_smoke_[0-9a-f]+$/);
  const res = await db.client.query<{ db: string; v: string }>(
    `select current_database() as db, current_setting('server_version_num') as v`,
  );
  assert.is(res.rows[0]?.db, db.name);
  assert.ok(Number(res.rows[0]?.v) >= 150000, `server_version_num ${res.rows[0]?.v}`);
  // withClients sees the same database
  const pids = await withClients(db.url, 3, (cs) =>
    Promise.all(cs.map(async (c) => (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid)),
  );
  assert.is(new Set(pids).size, 3);
});

Harness('psqlCommand runs SQL and exits 0', async (ctx) => {
  const r = await psqlCommand(ctx.db!.url, 'select 1 as one;', ['-A', '-t']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), '1');
});

Harness('psqlCommand reports bad SQL with a non-zero exit and the error on stderr', async (ctx) => {
  const r = await psqlCommand(ctx.db!.url, 'select 1;\nselec broken;\nselect 2;', ['-A', '-t']);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /syntax error/);
  assert.is(r.stdout.trim(), '1'); // ON_ERROR_STOP: nothing after the error ran
});

Harness('pg_cron is preloaded when the runner says so (and installed)', async () => {
  const { rows } = await withClients(adminUrl(), 1, ([c]) =>
    c!.query<{ libs: string }>(`select current_setting('shared_preload_libraries') as libs`),
  );
  const libs = rows[0]?.libs ?? '';
  assert.is(libs.split(',').map((s) => s.trim()).includes('pg_cron'), preloadCron(), `shared_preload_libraries = '${libs}'`);
  // A cluster the runner started itself must preload pg_cron whenever it is installed.
  if (existsSync('/usr/share/postgresql/15/extension/pg_cron.control') && !process.env.PGPART_TEST_EXTERNAL) {
    assert.ok(preloadCron(), 'pg_cron is installed but not preloaded');
  }
});

Harness.run();
