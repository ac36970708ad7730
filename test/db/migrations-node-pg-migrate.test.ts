// node-pg-migrate, through its own runner: `pgpart migration new` writes a small migration
// (the change as `pgpart plan` prints it, when given a database) that runs the install
// script of that moment, frozen in pgpart-frozen/<sha256>.sql beside the migrations. Migration
// 1 installs the shop; rows are written; the config grows a column, an index and a
// dependent; migration 2 takes the live database there, and node-pg-migrate's log shows
// pgpart's notices, not the script. A fresh database replaying 1 and 2 ends with the same
// catalog as the live one (columns, constraints, indexes, partitions), and migrating down is
// refused by node-pg-migrate, since the migrations have no down part. A column a hand-written
// migration adds makes the next pgpart migration fail until the config has it too.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, writeConfig } from '../harness/cli.js';
import { freshDatabase, newClient, type FreshDatabase } from '../harness/db.js';
import { catalog } from './catalog.js';
import { column, logged, scalar } from './helpers.js';
import { changed, day, fill, shop } from './reconcile-helpers.js';
import { until } from './wait.js';

const grown = changed(shop(), (m) => {
  m.orders!.columns.gift_note = 'text';
  m.orders!.indexes = [{ columns: ['customer'] }];
  m.refunds = {
    columns: { id: 'bigint generated always as identity', amount: 'numeric(10,2) not null' },
    primaryKey: ['id'],
    partitionForeignKey: { column: 'order_id', references: 'orders' },
  };
});

const Migrations = suite<{ live?: FreshDatabase; replay?: FreshDatabase; dir?: string }>('node-pg-migrate migrations', {});
Migrations.before(async (ctx) => {
  await logged('databases', async () => {
    ctx.live = await freshDatabase('npm_live');
    ctx.replay = await freshDatabase('npm_replay');
    ctx.dir = path.join(mkdtempSync(path.join(tmpdir(), 'pgpart-migrations-')), 'migrations');
    mkdirSync(ctx.dir);
  });
});
Migrations.after(async (ctx) => {
  await ctx.live?.drop();
  await ctx.replay?.drop();
});

/**
 * node-pg-migrate's runner, as its CLI calls it (verbose, its default); returns what it logged.
 * On a client of ours, ended here: the runner does not wait for the end of a connection it
 * opens itself, and the database's drop (WITH FORCE) could then end it first, an error event
 * with no listener.
 */
async function migrate(url: string, dir: string, direction: 'up' | 'down'): Promise<string> {
  const log: string[] = [];
  const client = newClient(url);
  await client.connect();
  try {
    await runner({ dbClient: client, dir, direction, migrationsTable: 'pgmigrations', count: direction === 'up' ? Infinity : 1, verbose: true, log: (m: string) => log.push(m) });
  } finally {
    await client.end();
  }
  return log.join('\n');
}

/** `pgpart migration new <name>` with a config, in the migrations dir (planned against `url`, if given). */
async function newMigration(dir: string, name: string, config: unknown, url?: string): Promise<string> {
  const r = await runCli(['migration', 'new', name, '--config', writeConfig(config), '--dir', dir, ...(url ? ['--database-url', url] : [])],
    { ...process.env, DATABASE_URL: '' });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^wrote \\S*\\d+_${name}\\.mjs \\(config [0-9a-f]{12}; install script \\S*pgpart-frozen/[0-9a-f]{64}\\.sql\\)\\n$`));
  const file = readdirSync(dir).filter((f) => f.endsWith(`_${name}.mjs`));
  assert.is(file.length, 1);
  return path.join(dir, file[0]!);
}

Migrations('migration 1 installs; rows; the config grows; migration 2 reconciles the live database', async (ctx) => {
  const { live, dir } = { live: ctx.live!, dir: ctx.dir! };
  const first = await newMigration(dir, 'install_shop', shop());
  const text = readFileSync(first, 'utf8');
  assert.match(text, /^\/\/ Up Migration, made by `pgpart migration new install_shop` from /);
  assert.match(text, /no database was given \(--database-url or DATABASE_URL\), so the change is not shown here/);
  assert.ok(text.length < 10_000, `small enough to read: ${text.length} characters`);
  const frozen = path.join(path.dirname(dir), 'pgpart-frozen');
  const [script] = readdirSync(frozen);
  assert.not.match(readFileSync(path.join(frozen, script!), 'utf8'), /^(BEGIN|COMMIT);$/m, 'node-pg-migrate opens the transaction');
  const log1 = await migrate(live.url, dir, 'up');
  assert.match(log1, /^-- pgpart: create model orders/m, 'pgpart\'s notices are in node-pg-migrate\'s log');
  assert.ok(log1.length < 20_000, `the script is not echoed (${log1.length} characters logged)`);
  for (const d of [day(0), day(1)]) await fill(live.client, d);
  // Timestamps (ms) in file names order the migrations: the second is made once the clock
  // has passed the first one's, so it sorts after it.
  const stamp = Number(path.basename(first).split('_')[0]);
  await until('the clock has passed the first migration\'s timestamp', () => Date.now() > stamp);
  const secondFile = await newMigration(dir, 'gift_notes_and_refunds', grown, live.url);
  assert.ok(path.basename(secondFile) > path.basename(first), `${path.basename(secondFile)} sorts after ${path.basename(first)}`);
  const second = readFileSync(secondFile, 'utf8');
  assert.match(second, /^\/\/ +\d+\. add column orders: .*gift_note/m, 'the change, as pgpart plan prints it');
  assert.match(second, /^\/\/ +\d+\. create model refunds/m);
  const log2 = await migrate(live.url, dir, 'up');
  assert.match(log2, /^-- pgpart: add column orders .*gift_note/m);
  assert.equal(await column(live.client, 'SELECT name FROM pgmigrations ORDER BY run_on, id'),
    readdirSync(dir).map((f) => f.replace(/\.mjs$/, '')).sort());
  assert.ok(await scalar(live.client, `SELECT count(*) = 4 FROM orders WHERE gift_note IS NULL`));
  assert.ok(await scalar(live.client, `SELECT to_regclass('refunds_' || to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM_DD')) IS NOT NULL`));
});

Migrations('a fresh database replaying both migrations has the live database\'s catalog', async (ctx) => {
  await migrate(ctx.replay!.url, ctx.dir!, 'up');
  const live = await catalog(ctx.live!.client);
  const replay = await catalog(ctx.replay!.client);
  assert.equal(replay.columns, live.columns);
  assert.equal(replay.constraints, live.constraints);
  assert.equal(replay.indexes, live.indexes);
  assert.equal(replay.inherits, live.inherits);
  assert.equal(replay.routines, live.routines);
  assert.ok(live.columns.some((c) => c.startsWith('public.orders.gift_note text')));
});

Migrations('migrating down is refused by node-pg-migrate: a pgpart migration has no down part', async (ctx) => {
  try {
    await migrate(ctx.live!.url, ctx.dir!, 'down');
    assert.unreachable('down should be refused');
  } catch (err) {
    assert.match((err as Error).message, /disabled down migration/);
  }
  assert.ok(await scalar(ctx.live!.client, `SELECT to_regclass('refunds') IS NOT NULL`), 'nothing was undone');
});

Migrations('a column a hand-written migration added stops the next pgpart migration until the config has it', async (ctx) => {
  const { live, dir } = { live: ctx.live!, dir: ctx.dir! };
  await new Promise((r) => setTimeout(r, 5));
  writeFileSync(path.join(dir, `${Date.now()}_hand_written.mjs`),
    "export const up = (pgm) => { pgm.addColumn('orders', { coupon: { type: 'text' } }); };\nexport const down = false;\n");
  await migrate(live.url, dir, 'up');
  await new Promise((r) => setTimeout(r, 5));
  const noted = changed(grown, (m) => { m.orders!.columns.note = 'text'; });
  const stuck = await newMigration(dir, 'notes', noted);
  try {
    await migrate(live.url, dir, 'up');
    assert.unreachable('the pgpart migration should be refused');
  } catch (err) {
    assert.match((err as Error).message, /column .*coupon.* is in the database but not in models/);
  }
  // The fix: the column in the config (as the hand-written migration made it), and a new migration in place of the refused one.
  const { rmSync } = await import('node:fs');
  rmSync(stuck);
  const fixed = changed(noted, (m) => { m.orders!.columns.coupon = 'text'; });
  await newMigration(dir, 'notes_and_coupon', fixed);
  await migrate(live.url, dir, 'up');
  assert.ok(await scalar(live.client, `SELECT count(*) = 1 FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'`));
});

Migrations.run();
