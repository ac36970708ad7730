// Smoke test of the test harness itself: the cluster is the real PostgreSQL major the runner
// meant to start, throwaway databases work, psql reports success and failure faithfully, and
// pg_cron is preloaded exactly where this machine must provide it.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { adminUrl, freshDatabase, preloadCron, psqlCommand, serverMajor, serverVersionNum, withClients, type FreshDatabase } from '../harness/db.js';
import { majorInfo } from '../harness/majors.js';

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

Harness('freshDatabase connects to a database of its own, on the major the runner started', async (ctx) => {
  const db = ctx.db!;
  assert.match(db.name, /^harness_smoke_[0-9a-f]+$/);
  const res = await db.client.query<{ db: string; v: string }>(
    `select current_database() as db, current_setting('server_version_num') as v`,
  );
  assert.is(res.rows[0]?.db, db.name);
  assert.is(Number(res.rows[0]?.v), serverVersionNum());
  assert.ok(serverMajor() >= 14, `server_version_num ${res.rows[0]?.v}: the db suites run on supported majors only`);
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
  // A cluster the runner started itself preloads pg_cron on every major this machine must
  // provide it for (Debian's 15), so its tests run there rather than being left out.
  if (majorInfo(serverMajor()).required.includes('pg_cron') && !process.env.PGPART_TEST_EXTERNAL) {
    assert.ok(preloadCron(), `pg_cron is not preloaded on PostgreSQL ${serverMajor()}: is postgresql-${serverMajor()}-cron installed?`);
  }
});

Harness.run();
