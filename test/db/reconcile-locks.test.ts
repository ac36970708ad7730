// What an install locks on a live database. An unchanged install takes no lock beyond
// ACCESS SHARE on any user table: another session holds EXCLUSIVE (which lets only ACCESS
// SHARE through) on every table of the shop, and the install still finishes, changing
// nothing. A changing install behind a transaction older than lockTimeout does not even ask
// for the locks it cannot get (pg_locks never shows it waiting, so no writer queues behind
// it), gives up after lockTries with an error naming the holder, and changes nothing; once
// the holder is gone it goes through while writers keep writing, none of them failing.
//
// Holders are made older than lockTimeout by waiting for the server's clock to say so; an
// install that must go through while writers write runs with a lockTimeout long enough to
// wait for their statements whatever the machine's speed; pgpart apply's retry is seen in
// its output as it runs, and only then does the holder let go.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { newClient, psqlFile, withClients, type FreshDatabase } from '../harness/db.js';
import { writeInstallSql } from '../harness/install.js';
import { startCli, writeConfig } from '../harness/cli.js';
import { catalog, records } from './catalog.js';
import { column, logged, pidOf, scalar } from './helpers.js';
import { changed, day, fill, liveShop, reinstall, shop } from './reconcile-helpers.js';
import { until, untilOlder } from './wait.js';

const Locks = suite<{ db?: FreshDatabase }>('reconcile: locks', {});
const config = shop((_, c) => { c.lockTimeout = '300ms'; c.lockTries = 2; });
Locks.before(async (ctx) => {
  ctx.db = await logged('live shop', () => liveShop('reconcile_locks', config));
});
Locks.after(async (ctx) => ctx.db?.drop());

/** The URL with an application_name (to find the install in pg_stat_activity) and session settings. */
function tagged(url: string, name: string, options = ''): string {
  const u = new URL(url);
  u.searchParams.set('application_name', name);
  if (options) u.searchParams.set('options', options);
  // libpq reads %20, not the + URLSearchParams writes, as a space.
  return u.toString().replace(/\+/g, '%20');
}

/** Every user table: parents, partitions, detached, archive tables and archived partitions. */
function userTables(c: pg.Client): Promise<string[]> {
  return column<string>(c, `
    SELECT r.oid::regclass::text FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
     WHERE n.nspname IN ('public', 'archive') AND r.relkind IN ('r', 'p') ORDER BY 1`);
}

/** Polls pg_locks for the locks sessions named `app` hold or wait for, until stopped (for what must never be there). */
function watch(c: pg.Client, app: string): { stop(): Promise<{ mode: string; granted: boolean; rel: string }[]> } {
  const seen: { mode: string; granted: boolean; rel: string }[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const r = await c.query<{ mode: string; granted: boolean; rel: string }>(`
        SELECT l.mode, l.granted, l.relation::regclass::text AS rel
          FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE a.application_name = $1 AND l.locktype = 'relation'
           AND l.relation IN (SELECT r.oid FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace WHERE n.nspname IN ('public', 'archive'))`,
      [app]).catch(() => ({ rows: [] }));
      seen.push(...r.rows);
      // Paces the polling only: the checks are on what it never sees.
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return { async stop() { stopped = true; await loop; return seen; } };
}

Locks('an unchanged install goes through while another session holds EXCLUSIVE on every user table, and changes nothing', async (ctx) => {
  const db = ctx.db!;
  const tables = await userTables(db.client);
  assert.ok(tables.length >= 20, `${tables.length} tables`);
  const before = { catalog: await catalog(db.client), records: await records(db.client) };
  await withClients(db.url, 1, async ([holder]) => {
    await holder!.query('BEGIN');
    await holder!.query(`LOCK TABLE ${tables.map((t) => `ONLY ${t}`).join(', ')} IN EXCLUSIVE MODE`);
    // A lock beyond ACCESS SHARE would wait for the holder: 1 s, then fail.
    const r = await psqlFile(tagged(db.url, 'pgpart-install', '-c lock_timeout=1000'), writeInstallSql(config));
    await holder!.query('ROLLBACK');
    assert.is(r.code, 0, r.stderr);
    assert.not.match(r.stderr, /pgpart: /, 'no change to make');
  });
  assert.equal({ catalog: await catalog(db.client), records: await records(db.client) }, before);
});

Locks('behind a transaction older than lockTimeout, a changing install never waits for a lock: it gives up, names the holder, changes nothing', async (ctx) => {
  const db = ctx.db!;
  const wanted: ConfigInput = changed(config, (m) => { m.orders!.columns.note = 'text'; });
  const before = { catalog: await catalog(db.client), records: await records(db.client) };
  const watcher = newClient(db.url);
  await watcher.connect();
  try {
    await withClients(db.url, 2, async ([holder, writer]) => {
      await holder!.query('BEGIN');
      await fill(holder!, day(0)); // ROW EXCLUSIVE on orders and items, and their partitions
      const pid = await pidOf(holder!);
      await untilOlder(watcher, pid, '300ms'); // older than lockTimeout
      const seen = watch(watcher, 'pgpart-install');
      const install = psqlFile(tagged(db.url, 'pgpart-install'), writeInstallSql(wanted));
      // Writers go on meanwhile: nothing queues in front of them.
      let written = 0;
      const writing = (async () => {
        for (let i = 0; i < 20; i++) { await fill(writer!, day(-1)); written++; }
      })();
      const r = await install;
      await writing;
      const locks = await seen.stop();
      await holder!.query('ROLLBACK');
      assert.is(r.code, 3, r.stderr);
      assert.match(r.stderr, /could not take the locks on public\.orders, \S+, \S+ and \d+ more after 2 tries/, r.stderr);
      assert.match(r.stderr, `after 2 tries: pid ${pid} holds RowExclusiveLock on`);
      assert.equal(locks.filter((l) => !l.granted), [], 'the install never waited for a lock on a user table');
      assert.equal(locks.filter((l) => l.mode !== 'AccessShareLock'), [], 'nor held one stronger than ACCESS SHARE');
      assert.is(written, 20);
    });
  } finally {
    await watcher.end();
  }
  const after = { catalog: await catalog(db.client), records: await records(db.client) };
  assert.equal(after.catalog, before.catalog);
  assert.equal(after.records, before.records);
});

Locks('with the holder gone, the same install goes through under four writers; no write fails', async (ctx) => {
  const db = ctx.db!;
  // Its locks are asked for while writers write: a lockTimeout long enough for their
  // statements to end first, however slow the machine (300ms could time out every try).
  const wanted = changed(config, (m, c) => {
    m.orders!.columns.note = 'text';
    m.orders!.indexes = [{ columns: ['customer'] }];
    c.lockTimeout = '60s';
  });
  const failures: string[] = [];
  let stop = false;
  let writes = 0;
  await withClients(db.url, 4, async (writers) => {
    const running = writers.map(async (w, i) => {
      while (!stop) {
        try { await fill(w, day(-(i % 3))); writes++; } catch (err) { failures.push((err as Error).message); }
      }
    });
    await until('the writers have written', () => writes > 0);
    const r = await reinstall(db.url, wanted);
    assert.match(r.stderr, /pgpart: add column orders — note text/);
    assert.match(r.stderr, /pgpart: add index orders — orders_customer_idx/);
    stop = true;
    await Promise.all(running);
  });
  assert.equal(failures, []);
  assert.ok(writes > 0);
  assert.ok(await scalar(db.client, `SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_customer_idx'::regclass`));
});

Locks('pgpart apply tries the install again while a long transaction holds a lock, and goes through once it ends', async (ctx) => {
  const db = ctx.db!;
  // What the tests before installed, and one more column.
  const wanted = changed(config, (m) => {
    m.orders!.columns.note = 'text';
    m.orders!.indexes = [{ columns: ['customer'] }];
    m.orders!.columns.note2 = 'text';
  });
  await withClients(db.url, 2, async ([holder, watcher]) => {
    await holder!.query('BEGIN');
    await fill(holder!, day(0));
    await untilOlder(watcher!, await pidOf(holder!), '300ms'); // older than lockTimeout
    const url = new URL(db.url);
    url.searchParams.set('application_name', 'pgpart-apply-retry');
    // Retries enough (pauses of 1, 2, 4 ... s) that the holder lets go long before they run out.
    const apply = startCli(['apply', '--config', writeConfig(wanted), '--database-url', url.toString(), '--lock-retries', '10']);
    try {
      // The holder lets go once the first install has given up and apply says it will try again.
      await until('apply gives up its first try and waits to try again', () => /trying again in 1 s/.test(apply.stdout()), { unless: apply.done });
    } finally {
      await holder!.query('COMMIT');
    }
    const r = await apply.done;
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /could not take the locks on public\.orders, \S+, \S+ and \d+ more after 2 tries: pid \d+ holds RowExclusiveLock .*: trying again in 1 s \(1 of 10 retries\)/, r.stdout);
    assert.match(r.stdout, /add column orders — note2 text/);
    assert.match(r.stdout, /done: the database matches/);
  });
});

Locks.run();
