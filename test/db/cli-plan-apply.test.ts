// `pgpart plan` and `pgpart apply`, the built CLI in a child process, on a live shop.
// plan prints the changes an install would make, in order with their locks, or what it
// would refuse (exit 1), as text or --json; it changes nothing and locks nothing beyond
// ACCESS SHARE (another session holds EXCLUSIVE on every user table meanwhile), over no
// pgpart at all, over an older one, over the current one. apply makes the changes with the
// index copies built CONCURRENTLY after the transaction while writers write: none fails,
// its backend never holds SHARE on a partition, the parent index ends valid, and the
// config hash is recorded once the database matches. A transaction with an old snapshot
// holds the first build in its last phase, so the test sees the build's lock and writers
// writing past it at a known point. Errors are one line with exit 1 or 2.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { compile } from '../../src/build.js';
import { cli, runCli, writeConfig } from '../harness/cli.js';
import { freshDatabase, psqlFile, withClients, type FreshDatabase } from '../harness/db.js';
import { catalog, records } from './catalog.js';
import { column, logged, pidOf, rows, scalar } from './helpers.js';
import { DETACHED, changed, day, fill, liveShop, shop } from './reconcile-helpers.js';
import { until } from './wait.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

/** The shop grown a column, an index on it and a dependent: a typical Day-2 change. */
const grown = changed(shop(), (m) => {
  m.orders!.columns.region = "text not null default 'eu'";
  m.orders!.indexes = [{ columns: ['region'] }];
  m.refunds = {
    columns: { id: 'bigint generated always as identity', amount: 'numeric(10,2) not null' },
    primaryKey: ['id'],
    partitionForeignKey: { column: 'order_id', references: 'orders' },
  };
});

interface PlanJson {
  server: string;
  installed: { revision: number; configHash: string } | null;
  build: { revision: number; configHash: string };
  changes: { change: string; model: string | null; target: string; detail: string | null; locks: string; statements: string[]; later: string[] }[];
  refused: string[];
}

const Cli = suite<{ db?: FreshDatabase }>('pgpart plan and apply', {});
Cli.before(async (ctx) => {
  ctx.db = await logged('live shop', () => liveShop('cli_plan_apply'));
});
Cli.after(async (ctx) => ctx.db?.drop());

async function snapshot(c: pg.Client) {
  return { catalog: await catalog(c), records: await records(c) };
}

Cli('plan lists the changes in order with their locks, changes nothing, and waits for no lock beyond ACCESS SHARE', async (ctx) => {
  const db = ctx.db!;
  const file = writeConfig(grown);
  const before = await snapshot(db.client);
  const tables = await column<string>(db.client, `SELECT r.oid::regclass::text FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
                                                   WHERE n.nspname IN ('public', 'archive') AND r.relkind IN ('r', 'p')`);
  const text = await withClients(db.url, 1, async ([holder]) => {
    await holder!.query('BEGIN');
    await holder!.query(`LOCK TABLE ${tables.map((t) => `ONLY ${t}`).join(', ')} IN EXCLUSIVE MODE`);
    try {
      return await runCli(['plan', '--config', file, '--database-url', db.url]);
    } finally {
      await holder!.query('ROLLBACK');
    }
  });
  assert.is(text.code, 0, text.stderr);
  const steps = [...text.stdout.matchAll(/^ {2}(\d+)\. ([a-z ]+?) (\w+): /gm)].map((m) => `${m[2]} ${m[3]}`);
  assert.equal(steps, ['create model refunds', 'add column orders', 'add index orders', 'update config orders', 'add config refunds', 'add member partitions refunds']);
  assert.match(text.stdout, /add column orders: region text not null default 'eu' \(catalog only\)\n {5}locks: ACCESS EXCLUSIVE on public\.orders and its 7 partition\(s\), 1 detached, 1 archived/);
  assert.match(text.stdout, /pgpart apply: CONCURRENTLY afterwards, no writer waits/);
  assert.equal(await snapshot(db.client), before);

  const json = await runCli(['plan', '--config', file, '--database-url', db.url, '--json']);
  assert.is(json.code, 0, json.stderr);
  const plan = JSON.parse(json.stdout) as PlanJson;
  assert.equal(plan.changes.map((c) => c.change), ['create model', 'add column', 'add index', 'update config', 'add config', 'add member partitions']);
  assert.equal(plan.refused, []);
  assert.is(plan.installed?.revision, plan.build.revision);
  const index = plan.changes.find((c) => c.change === 'add index')!;
  assert.ok(index.later.every((s) => /^(CREATE INDEX CONCURRENTLY|ALTER INDEX)/.test(s)), index.later.join('\n'));
  assert.ok(index.later.length >= 2 * 7 + 2, `copies on 7 partitions (and attached), the detached and archived tables: ${index.later.length}`);
});

Cli('plan of a config the install would refuse: exit 1, each refusal listed, nothing changed', async (ctx) => {
  const db = ctx.db!;
  const before = await snapshot(db.client);
  const r = await runCli(['plan', '--config', writeConfig(changed(grown, (m) => { m.orders!.partition.interval = '1 month'; delete m.items; })),
    '--database-url', db.url]);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /refused \(the install would change nothing\): 2\n {2}1\. models\.orders\.partition\.interval: from day to month/);
  assert.match(r.stdout, /\n {2}2\. model "items" \(table public\.items,/);
  assert.match(r.stderr, /^the install would be refused: 2 change\(s\) need your decision \(see above\)\n$/);
  assert.equal(await snapshot(db.client), before);
});

Cli('apply: the changes, then the index copies CONCURRENTLY while four writers write; none fails, no SHARE lock on a partition', async (ctx) => {
  const db = ctx.db!;
  // The install asks for its locks while writers write: with a lockTimeout this long it waits
  // for their statements to end, however slow the machine, instead of giving up.
  const config = changed(grown, (_, c) => { c.lockTimeout = '60s'; });
  const url = new URL(db.url);
  url.searchParams.set('application_name', 'pgpart-apply');
  const seen: { mode: string; rel: string; kind: string }[] = [];
  const failures: string[] = [];
  let writes = 0;
  let stop = false;
  const r = await withClients(db.url, 7, async ([gate, observer, sampler, ...writers]) => {
    // A transaction with an old snapshot and no lock: each CREATE INDEX CONCURRENTLY waits for
    // it in its last phase, holding SHARE UPDATE EXCLUSIVE on the table it builds on, so the
    // test finds the first build there, and keeps it there while the writers write.
    await gate!.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await gate!.query('SELECT 1');
    const gatePid = await pidOf(gate!);
    const writing = writers.map(async (w, i) => {
      while (!stop) {
        try { await fill(w, day(-(i % 3))); writes++; } catch (err) { failures.push((err as Error).message); }
      }
    });
    // Every lock of pgpart apply's backend on the shop's tables, all along (for what it must never hold).
    const sampling = (async () => {
      while (!stop) seen.push(...await applyLocks(sampler!));
    })();
    try {
      await until('the writers have written', () => writes > 0);
      const apply = runCli(['apply', '--config', writeConfig(config), '--database-url', url.toString()]);
      const held = await until('a CREATE INDEX CONCURRENTLY of pgpart apply waits for the old snapshot', async () =>
        (await rows<{ pid: number; query: string }>(observer!, `
          SELECT pid, query FROM pg_stat_activity WHERE application_name = 'pgpart-apply' AND $1 = ANY (pg_blocking_pids(pid))`,
        [gatePid]))[0], { unless: apply });
      assert.match(held.query, /^CREATE INDEX CONCURRENTLY /);
      const building = await applyLocks(observer!);
      seen.push(...building);
      assert.ok(building.some((l) => l.mode === 'ShareUpdateExclusiveLock' && /^orders_/.test(l.rel)), `the build holds its table: ${JSON.stringify(building)}`);
      const before = writes;
      await until('the writers write while the build waits', () => writes >= before + writers.length);
      await gate!.query('COMMIT');
      return await apply;
    } finally {
      stop = true;
      await gate!.query('ROLLBACK').catch(() => {});
      await Promise.all([...writing, sampling]);
    }
  });
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^installing \S*pgpart\.config\.ts \(index builds deferred\)\n/, r.stdout);
  assert.match(r.stdout, /building after the transaction: \d+ statement\(s\)\n/);
  assert.match(r.stdout, /\[ ?1\/\d+\] build index orders_region_idx: build orders_\d{4}_\d{2}_\d{2}_region_idx\n/);
  assert.match(r.stdout, /attach public\.orders_\d{4}_\d{2}_\d{2}_region_idx\n/);
  assert.match(r.stdout, /done: the database matches \S*pgpart\.config\.ts \(config [0-9a-f]{12}\)\n$/);
  assert.equal(failures, []);
  // SHARE (which writers wait for) only on the parent, for the catalog-only CREATE INDEX ... ON ONLY;
  // never on a partition writers use (the new refunds tables get their indexes as they are made).
  const shared = [...new Set(seen.filter((l) => l.mode === 'ShareLock' && l.kind === 'r' && /^(orders|items)_/.test(l.rel)).map((l) => l.rel))];
  assert.equal(shared, [], 'no partition was locked SHARE by the builds');
  assert.ok(await scalar(db.client, `SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_region_idx'::regclass`));
  assert.equal(await column(db.client, `SELECT c.relname::text FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
                                         WHERE x.indrelid = $1::regclass AND c.relname LIKE '%region%'`, [`orders_${DETACHED.suffix}`]),
    [`orders_${DETACHED.suffix}_region_idx`], 'the detached day has its copy too');
  assert.is(await scalar(db.client, 'SELECT config_hash FROM parting.meta'), compile(config).hash);
  assert.is(await scalar(db.client, 'SELECT pending_hash FROM parting.meta'), null);
  // Applied again: nothing to do.
  const again = await runCli(['apply', '--config', writeConfig(config), '--database-url', db.url]);
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, /^installing \S*pgpart\.config\.ts \(index builds deferred\)\n {2}nothing to change\ndone: /);
});

/** The relation locks pgpart apply's backend (application_name pgpart-apply) holds on the shop's tables. */
async function applyLocks(c: pg.Client): Promise<{ mode: string; rel: string; kind: string }[]> {
  return rows<{ mode: string; rel: string; kind: string }>(c, `
    SELECT l.mode, l.relation::regclass::text AS rel, r.relkind::text AS kind
      FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid JOIN pg_class r ON r.oid = l.relation
     WHERE a.application_name = 'pgpart-apply' AND l.locktype = 'relation' AND r.relnamespace = 'public'::regnamespace`);
}

Cli.run();

const Elsewhere = suite('pgpart plan over no pgpart and over an older one; errors');

Elsewhere('over a database without pgpart: every change a first install makes; nothing is created', async () => {
  const db = await freshDatabase('cli_plan_empty');
  try {
    const r = await runCli(['plan', '--config', writeConfig(shop()), '--database-url', db.url, '--json']);
    assert.is(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as PlanJson;
    assert.is(plan.installed, null);
    assert.equal(plan.changes.map((c) => `${c.change} ${c.model ?? ''} ${c.target}`),
      ['create schema  archive', 'create model orders orders', 'create model items items', 'add key guard orders pgpart_key_guard', 'add config orders orders', 'add config items items', 'create partitions orders orders']);
    assert.is(await scalar(db.client, `SELECT to_regnamespace('parting')`), null, 'the runtime it planned with is gone');
  } finally {
    await db.drop();
  }
});

Elsewhere('over an older pgpart (schema revision 2): planned with this build\'s code, the database left at revision 2', async () => {
  const db = await freshDatabase('cli_plan_rev2');
  try {
    const old = await psqlFile(db.url, path.join(fixtures, 'rev2', 'install.sql'));
    assert.is(old.code, 0, old.stderr);
    const config = {
      models: {
        tweet: {
          columns: { id: 'bigint generated always as identity', user: 'text not null', created_at: 'timestamptz not null default now()', lang: 'text' },
          primaryKey: ['id'],
          partition: { by: 'range', column: 'created_at', interval: '1 month', premake: 1, default: true },
        },
        star: { columns: { id: 'bigint generated always as identity', user: 'text not null' }, primaryKey: ['id'], partitionForeignKey: { column: 'tweet_id', references: 'tweet' } },
      },
    };
    const before = await catalog(db.client);
    const r = await runCli(['plan', '--config', writeConfig(config), '--database-url', db.url, '--json']);
    assert.is(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as PlanJson;
    assert.is(plan.installed?.revision, 2);
    // The schema revision 2 made no archive schema, gave star's partitions foreign keys without
    // the key column (and without ON UPDATE CASCADE) and tweet no key guard; its config rows
    // have lockTimeout's old default, 2s (now 300ms), which the upgrade moves into
    // parting.settings, so the settings change and the rows do not; and it wrote no comments
    // on the parents, which this install writes.
    assert.equal(plan.changes.map((c) => `${c.change} ${c.model ?? ''} ${c.target}`),
      ['create schema  archive', 'add column tweet lang', 'alter foreign key star tweet_id_fkey', 'add key guard tweet pgpart_key_guard',
       'update settings  parting.settings', 'comment tweet tweet', 'comment star star']);
    assert.is(plan.changes.find((c) => c.change === 'update settings')?.detail, 'lock_timeout: "2s" → "300ms"');
    assert.equal(await catalog(db.client), before);
    assert.is(await scalar(db.client, 'SELECT schema_revision FROM parting.meta'), 2);
  } finally {
    await db.drop();
  }
});

Elsewhere('errors are one line: a refused apply exits 1, an unreachable server 2, an unwritable --out 1; `build | head` ends quietly', async () => {
  const db = await liveShop('cli_errors');
  try {
    const refused = await runCli(['apply', '--config', writeConfig(changed(shop(), (m) => { m.orders!.columns.total = 'integer'; })), '--database-url', db.url]);
    assert.is(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /^pgpart refused this install \(1 change\(s\) need your decision\): models\.orders\.columns\.total is numeric\(10,2\)/);
    assert.not.match(refused.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    await db.drop();
  }
  const down = await runCli(['plan', '--config', writeConfig(shop()), '--database-url', 'postgres://nobody@127.0.0.1:1/none']);
  assert.is(down.code, 2, down.stderr);
  assert.match(down.stderr, /^database error: cannot connect to postgres:\/\/nobody@127\.0\.0\.1:1\/none: /);
  assert.is(down.stderr.trim().split('\n').length, 1, down.stderr);
  const out = await runCli(['build', '--config', writeConfig(shop()), '--out', '/nonexistent/dir/install.sql']);
  assert.is(out.code, 1);
  assert.is(out.stderr, "cannot write /nonexistent/dir/install.sql: no such file or directory, open '/nonexistent/dir/install.sql'\n");
  const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${cli}" build --config "${writeConfig(shop())}" | head -c 11`], { encoding: 'utf8' });
  assert.is(piped.status, 0);
  assert.is(piped.stdout, '-- pgpart 0');
  assert.is(piped.stderr, '', 'no EPIPE stack trace');
});

Elsewhere.run();
