// Smoke test of the test harness itself: the cluster is the real PostgreSQL major the runner
// meant to start, throwaway databases work, psql reports success and failure faithfully,
// pg_cron is preloaded exactly where this machine must provide it, and a cluster starts from
// a checkout in a directory the server's OS user cannot enter.

import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeBinariesDir } from '../harness/binaries.js';
import { startLocalCluster } from '../harness/cluster.js';
import { adminUrl, freshDatabase, newClient, preloadCron, psqlCommand, serverMajor, serverVersionNum, withClients, type FreshDatabase } from '../harness/db.js';
import { majorInfo, packageDir } from '../harness/majors.js';
import { suiteUnless } from '../harness/needs.js';
import { serverOsUser, userCan } from '../harness/os.js';

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

// ── a checkout other users cannot enter ─────────────────────────────────────────────────

// Run as root, the harness runs the servers as another OS user; a checkout under /root or in
// a `mktemp -d` directory is closed to that user, and so are the npm-packaged binaries in it.
const Private = suiteUnless('harness: a cluster from a checkout other users cannot enter',
  process.env.PGPART_TEST_EXTERNAL ? 'the tests run on an existing server (PGPART_TEST_DATABASE_URL), so the harness starts no cluster' : undefined, {});

Private('this major\'s server binaries in a checkout inside a mode-700 directory: a cluster starts and answers', async () => {
  const major = majorInfo(serverMajor());
  const outer = mkdtempSync(path.join(tmpdir(), 'pgpart-private-'));
  const copies = makeBinariesDir();
  const shared = process.env.PGPART_TEST_BIN_DIR;
  // Binaries copied for this test alone, so they come from the closed checkout, not from the run's copy.
  process.env.PGPART_TEST_BIN_DIR = copies;
  try {
    assert.is(statSync(outer).mode & 0o777, 0o700);
    const checkout = path.join(outer, 'checkout');
    // What `npm ci` leaves there (Debian's major has nothing in node_modules).
    if (major.source === 'npm') cpSync(packageDir(major), packageDir(major, checkout), { recursive: true, verbatimSymlinks: true });
    const user = await serverOsUser();
    if (user) assert.not.ok(await userCan(user, '-x', outer), `OS user ${user.name} can enter ${outer}, so this proves nothing`);
    const cluster = await startLocalCluster(major, { checkout });
    try {
      const c = newClient(cluster.url);
      await c.connect();
      try {
        const { rows } = await c.query<{ num: string; bindir: string }>(`
          SELECT current_setting('server_version_num') AS num, (SELECT setting FROM pg_config WHERE name = 'BINDIR') AS bindir`);
        assert.is(Math.floor(Number(rows[0]!.num) / 10000), major.major);
        const bindir = rows[0]!.bindir;
        if (major.source === 'debian') assert.is(bindir, `/usr/lib/postgresql/${major.major}/bin`);
        // As root, the server ran from the copy its OS user can reach; otherwise from the checkout.
        else if (user) assert.ok(bindir.startsWith(`${copies}${path.sep}`), `${bindir} is under ${copies}`);
        else assert.ok(bindir.startsWith(`${checkout}${path.sep}`), `${bindir} is under ${checkout}`);
      } finally {
        await c.end();
      }
    } finally {
      await cluster.stop();
    }
  } finally {
    if (shared === undefined) delete process.env.PGPART_TEST_BIN_DIR;
    else process.env.PGPART_TEST_BIN_DIR = shared;
    rmSync(copies, { recursive: true, force: true });
    rmSync(outer, { recursive: true, force: true });
  }
});

Private.run();
