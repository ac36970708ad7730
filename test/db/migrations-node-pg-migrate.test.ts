// node-pg-migrate, through its own runner: `pgpart migration new` writes a migration holding
// the install script of that moment. Migration 1 installs the shop; rows are written; the
// config grows a column, an index and a dependent; migration 2 takes the live database
// there. A fresh database replaying 1 and 2 ends with the same catalog as the live one
// (columns, constraints, indexes, partitions), and migrating down is refused by
// node-pg-migrate, since the migrations have no down part.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, writeConfig } from '../harness/cli.js';
import { freshDatabase, type FreshDatabase } from '../harness/db.js';
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
    ctx.dir = mkdtempSync(path.join(tmpdir(), 'pgpart-migrations-'));
  });
});
Migrations.after(async (ctx) => {
  await ctx.live?.drop();
  await ctx.replay?.drop();
});

/** node-pg-migrate's runner, as its CLI calls it. */
function migrate(url: string, dir: string, direction: 'up' | 'down'): Promise<unknown> {
  return runner({ databaseUrl: url, dir, direction, migrationsTable: 'pgmigrations', count: direction === 'up' ? Infinity : 1, log: () => {} });
}

/** `pgpart migration new <name>` with a config, in the migrations dir. */
async function newMigration(dir: string, name: string, config: unknown): Promise<string> {
  const r = await runCli(['migration', 'new', name, '--config', writeConfig(config), '--dir', dir]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^wrote \\S*\\d+_${name}\\.sql \\(config [0-9a-f]{12}\\)\\n$`));
  const file = readdirSync(dir).filter((f) => f.endsWith(`_${name}.sql`));
  assert.is(file.length, 1);
  return path.join(dir, file[0]!);
}

Migrations('migration 1 installs; rows; the config grows; migration 2 reconciles the live database', async (ctx) => {
  const { live, dir } = { live: ctx.live!, dir: ctx.dir! };
  const first = await newMigration(dir, 'install_shop', shop());
  const text = readFileSync(first, 'utf8');
  assert.match(text, /^-- Up Migration\n-- Made by `pgpart migration new install_shop` from /);
  assert.not.match(text, /^(BEGIN|COMMIT);$/m, 'node-pg-migrate opens the transaction');
  assert.not.match(text, /-- Down Migration/);
  await migrate(live.url, dir, 'up');
  for (const d of [day(0), day(1)]) await fill(live.client, d);
  // Timestamps (ms) in file names order the migrations: the second is made once the clock
  // has passed the first one's, so it sorts after it.
  const stamp = Number(path.basename(first).split('_')[0]);
  await until('the clock has passed the first migration\'s timestamp', () => Date.now() > stamp);
  const second = await newMigration(dir, 'gift_notes_and_refunds', grown);
  assert.ok(path.basename(second) > path.basename(first), `${path.basename(second)} sorts after ${path.basename(first)}`);
  await migrate(live.url, dir, 'up');
  assert.equal(await column(live.client, 'SELECT name FROM pgmigrations ORDER BY run_on, id'),
    readdirSync(dir).map((f) => f.replace(/\.sql$/, '')).sort());
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

Migrations.run();
